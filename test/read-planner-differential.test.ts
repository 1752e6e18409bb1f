import { Random } from '../src/common/prng';
import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { newCustomerRef, record } from './support/interactions';
import { sizeOf } from '../src/server/response-budget';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * The read planner answers the same whichever way it reads. Two servers on one database: one plans a
 * root's whole selection into one statement (every relation and nested connection embedded), the other
 * (OMNI360_READ_PLANNER=false) reads one relation field and one level per statement, to-one relations
 * through the by-id loaders and the merge chain. They receive the same generated documents: random
 * selections over the schema from the root fields the planner serves (every field of every type
 * reachable in three levels, connections with random sizes, filters and cursors, aliases, fragments),
 * as every role; the answers, errors included, must be equal. The fields come from introspection, so a
 * field added later is covered without touching this test. (When the planner came, the second server
 * still ran the per-page loaders it replaced; the same documents passed against them. The pagination,
 * filter and cursor tests of each module, with expectations written by hand, keep checking the SQL both
 * ways share.)
 */
let planned: TestServer;
let unplanned: TestServer;
/**
 * A third server on the same database with a small response budget (src/server/response-budget.ts)
 * that reports what it counted (OMNI360_REPORT_TEXT_BYTES). Each generated answer's text, summed here
 * from the answer and the introspected schema, must be refused past the budget and, within it, be
 * exactly what the server counted. Text is counted by the nearest field above it that runs code,
 * through the plain fields below it; these documents reach every field of every type the planner
 * serves, so a text field no field counts, or one counted twice, fails here by its document.
 */
let budgeted: TestServer;
const BUDGET = 3_000;

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface FieldInfo {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
const types = new Map<string, FieldInfo[]>();
const enums = new Map<string, string[]>();
const ids: Record<string, string[]> = { customer: [], order: [], conversation: [], interaction: [], sku: [] };
/** What INGEST wrote itself (the only records it reads beyond their ids). */
const ingested: Record<string, string[]> = { customer: [], order: [], conversation: [], interaction: [], sku: [] };

function named(type: TypeRef): TypeRef {
  return type.ofType ? named(type.ofType) : type;
}

async function introspect(): Promise<void> {
  const res = await planned.ok<
    { __schema: { types: { kind: string; name: string; fields: FieldInfo[] | null; enumValues: { name: string }[] | null }[] } },
    Record<string, never>
  >(
    `{ __schema { types { kind name enumValues { name } fields { name args { name type { kind name ofType { kind name ofType { kind name } } } }
       type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`,
  );
  for (const type of res.__schema.types) {
    if (type.kind === 'OBJECT' && type.fields) types.set(type.name, type.fields);
    if (type.kind === 'ENUM' && type.enumValues)
      enums.set(
        type.name,
        type.enumValues.map((value) => value.name),
      );
  }
}

/** Arguments the generator may give a field: optional page and filter arguments, never a required one it cannot invent. */
function argsFor(random: Random, field: FieldInfo, cursors: Map<string, string[]>): string | null {
  const parts: string[] = [];
  for (const arg of field.args) {
    const type = named(arg.type);
    if (arg.type.kind === 'NON_NULL') return null;
    if (arg.name === 'first' && random.chance(0.8)) parts.push(`first: ${random.int(1, 12)}`);
    else if (arg.name === 'after' && random.chance(0.3)) {
      // A cursor of the same kind of list (one of another kind is refused, and where two lists refuse at
      // once graphql-js reports whichever settles first).
      const ofType = cursors.get(named(field.type).name!) ?? [];
      if (ofType.length) parts.push(`after: ${JSON.stringify(random.pick(ofType))}`);
    } else if (type.kind === 'ENUM' && random.chance(0.3)) {
      const values = enums.get(type.name!)!;
      parts.push(`${arg.name}: ${values[random.int(0, values.length - 1)]}`);
    }
  }
  return parts.length ? `(${parts.join(', ')})` : '';
}

/** A random selection on `typeName`, `depth` levels of objects deep at most. */
function selection(random: Random, typeName: string, depth: number, cursors: Map<string, string[]>): string {
  const fields = types.get(typeName) ?? [];
  const parts: string[] = ['__typename'];
  for (const field of fields) {
    if (!random.chance(typeName.endsWith('Connection') || typeName.endsWith('Edge') ? 0.9 : 0.45)) continue;
    const args = argsFor(random, field, cursors);
    if (args === null) continue;
    const type = named(field.type);
    const alias = random.chance(0.15) ? `${field.name}_${random.int(1, 9)}: ` : '';
    if (type.kind === 'SCALAR' || type.kind === 'ENUM') parts.push(`${alias}${field.name}${args}`);
    else if (type.kind === 'OBJECT' && depth > 0) {
      const inner = selection(random, type.name!, type.name!.endsWith('Connection') || type.name!.endsWith('Edge') ? depth : depth - 1, cursors);
      parts.push(random.chance(0.2) ? `${alias}${field.name}${args} { ... on ${type.name} { ${inner} } }` : `${alias}${field.name}${args} { ${inner} }`);
    }
  }
  return parts.join(' ');
}

/**
 * What the modules add to a customer's planned read (analytics: the stats, read by stats and segments;
 * offers: the decision inputs, read by offers with the stats), asked for whatever the generator draws:
 * offers only for the roles that may read them (a role refused one field is refused the whole document;
 * INGEST, refused lists and most fields, gets the roots without them);
 * aliased, so no generated field of the same name conflicts with them.
 */
const moduleKeys = (role: string) =>
  `keyStats: stats { orderCount lifetimeValue { amount currencyCode } ordersByChannel { channel orderCount revenue { amount } } interactionsByChannel { channel count }
     channelsUsed preferredChannel firstOrderAt lastOrderAt lastInteractionAt openConversations } keySegments: segments
   ${['ADMIN', 'AGENT', 'ANALYST'].includes(role) ? 'keyOffers: offers { offer { code } eligible reasons contactAllowed lastResponse lastResponseChannel } emailOffers: offers(channel: EMAIL) { contactAllowed }' : ''}`;

/**
 * Stats asked for order figures only read the order aggregates alone (the analytics contribution's
 * narrowReads); beside a second selection of the same stats that asks for more, every part is read.
 */
const orderFigures = `orderFigures: stats { lifetimeValue { amount currencyCode } orderCount averageOrderValue { amount currencyCode }
   ordersByChannel { channel orderCount revenue { amount currencyCode } } firstOrderAt lastOrderAt __typename }`;

const ROOTS: { root: (random: Random, pool: Record<string, string[]>) => string; type: string; with?: (role: string) => string }[] = [
  { root: (random) => `conversations(first: ${random.int(1, 15)}${random.chance(0.3) ? ', status: OPEN' : ''})`, type: 'ConversationConnection' },
  { root: (random) => `customers(first: ${random.int(1, 15)})`, type: 'CustomerConnection' },
  { root: (random) => `orders(first: ${random.int(1, 15)})`, type: 'OrderConnection' },
  { root: (random, pool) => `customer(id: ${JSON.stringify(random.pick(pool.customer))})`, type: 'Customer' },
  { root: (random, pool) => `order(id: ${JSON.stringify(random.pick(pool.order))})`, type: 'Order' },
  { root: (random, pool) => `conversation(id: ${JSON.stringify(random.pick(pool.conversation))})`, type: 'Conversation' },
  { root: (random, pool) => `interaction(id: ${JSON.stringify(random.pick(pool.interaction))})`, type: 'Interaction' },
  { root: (random) => `products(first: ${random.int(1, 15)})`, type: 'ProductConnection' },
  { root: (random, pool) => `timelineOf: customer(id: ${JSON.stringify(random.pick(pool.customer))})`, type: 'Customer' },
  { root: (random, pool) => `product(sku: ${JSON.stringify(random.pick(pool.sku))})`, type: 'Product' },
  { root: (random, pool) => `moduleKeysOf: customer(id: ${JSON.stringify(random.pick(pool.customer))})`, type: 'Customer', with: moduleKeys },
  { root: (random) => `customers(first: ${random.int(1, 15)})`, type: 'CustomerConnection', with: (role) => `edges { node { id ${moduleKeys(role)} } }` },
  {
    root: (random) => `orders(first: ${random.int(1, 15)})`,
    type: 'OrderConnection',
    with: (role) => `edges { node { customer { id ${moduleKeys(role)} } } }`,
  },
  { root: (random) => `customers(first: ${random.int(1, 15)})`, type: 'CustomerConnection', with: () => `edges { node { id ${orderFigures} } }` },
  {
    root: (random, pool) => `customer(id: ${JSON.stringify(random.pick(pool.customer))})`,
    type: 'Customer',
    with: () => `${orderFigures} more: stats { orderCount channelsUsed openConversations lastInteractionAt }`,
  },
];

/** The cursors of an answer by connection type (every object of a generated answer carries its __typename). */
function collectCursors(value: unknown, into: Map<string, string[]>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectCursors(item, into);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  const typeName = String(object.__typename ?? '');
  if (typeName.endsWith('Edge') && typeof object.cursor === 'string') {
    const connection = `${typeName.slice(0, -'Edge'.length)}Connection`;
    into.set(connection, [...(into.get(connection) ?? []), object.cursor]);
  }
  for (const child of Object.values(object)) collectCursors(child, into);
}

/** Fields a document of ROOTS names under an alias of its own (the generator's aliases are `<field>_<digit>`). */
const ALIASED: Record<string, string> = {
  keyStats: 'stats',
  keySegments: 'segments',
  keyOffers: 'offers',
  emailOffers: 'offers',
  orderFigures: 'stats',
  more: 'stats',
};

/**
 * The bytes of text an answer carries, as the budget counts them: every String and JSON value at its
 * JSON-encoded UTF-8 size, a list of text as one value. Read from the answer and the introspected
 * schema alone, not from the server's own accounting.
 */
function textOf(value: unknown, typeName: string): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textOf(item, typeName), 0);
  if (!value || typeof value !== 'object') return 0;
  let bytes = 0;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const fields = types.get(typeName) ?? [];
    const field =
      fields.find((candidate) => candidate.name === key) ?? fields.find((candidate) => candidate.name === (ALIASED[key] ?? key.replace(/_\d$/, '')));
    if (!field) continue; // __typename
    const type = named(field.type);
    if (type.kind === 'SCALAR') bytes += type.name === 'String' || type.name === 'JSON' ? sizeOf(child) : 0;
    else if (type.kind === 'OBJECT') bytes += textOf(child, type.name!);
  }
  return bytes;
}

/**
 * What the budgeted server must answer for a document whose unlimited answer is `answer`: refused past
 * the budget; within it, the same answer, with the text it counted (`extensions.textBytes`) equal to the
 * text of the answer, or, where a field failed, at least that (it may have been counted before it failed).
 */
function expectWithinBudget(document: string, answer: Answer, small: Answer): 'over' | 'within' | 'failed' {
  const text = Object.values(answer.data ?? {}).reduce(
    (sum: number, root) => sum + textOf(root, String((root as { __typename?: string } | null)?.__typename ?? '')),
    0,
  );
  if (text > BUDGET) {
    expect({ document, text, answer: small }).toEqual({
      document,
      text,
      answer: expect.objectContaining({ data: null, errors: [expect.objectContaining({ extensions: { code: 'RESPONSE_TOO_LARGE', limit: BUDGET } })] }),
    });
    return 'over';
  }
  const { extensions, ...rest } = small;
  expect({ document, answer: comparable(rest) }).toEqual({ document, answer: comparable(answer) });
  const counted = extensions?.textBytes;
  if (answer.errors) {
    expect({ document, counted }).toEqual({ document, counted: expect.any(Number) });
    expect(counted).toBeGreaterThanOrEqual(text);
    return 'failed';
  }
  expect({ document, counted }).toEqual({ document, counted: text });
  return 'within';
}

type Answer = Awaited<ReturnType<TestServer['gql']>>;

/** An answer with its errors in a fixed order: sibling fields fail in whatever order their promises settle. */
function comparable(answer: Answer): unknown {
  return { ...answer, errors: answer.errors && [...answer.errors].sort((a, b) => JSON.stringify(a.path).localeCompare(JSON.stringify(b.path))) };
}

const MIN_ANSWERED = { ADMIN: 20, AGENT: 20, ANALYST: 20, PARTNER: 6, INGEST: 5 } as const;

beforeAll(async () => {
  planned = await startTestServer();
  unplanned = await startTestServer({ databaseUrl: planned.databaseUrl, env: { OMNI360_READ_PLANNER: 'false' } });
  budgeted = await startTestServer({
    databaseUrl: planned.databaseUrl,
    env: { OMNI360_MAX_RESPONSE_BYTES: String(BUDGET), OMNI360_REPORT_TEXT_BYTES: 'true' },
  });
  await introspect();
  const warehouse = await createLocation(planned, 'WAREHOUSE');
  const stores = [await createLocation(planned, 'STORE', 'B-STORE'), await createLocation(planned, 'STORE', 'A-STORE')];
  const products = await Promise.all([0, 1, 2, 3, 4, 5].map(() => createProduct(planned, { price: '12.50' })));
  for (const product of products.slice(0, 5)) {
    await receive(planned, product.sku, warehouse.id, 500);
    for (const store of stores) await receive(planned, product.sku, store.id, 7);
  }
  // The last product was never stocked: no levels, totals 0.
  for (const pool of [ids, ingested]) pool.sku.push(...products.map((product) => product.sku));
  const agents: string[] = [];
  for (let index = 0; index < 3; index++) {
    const res = await planned.ok<{ upsertAgent: { agent: { id: string } } }, Record<string, never>>(
      `mutation { upsertAgent(input: { email: "${unique('agent')}@support.example.com", name: "Agent ${index}" }) { agent { id } } }`,
    );
    agents.push(res.upsertAgent.agent.id);
  }
  const random = new Random('read-planner-fixture');
  for (let index = 0; index < 8; index++) {
    const buyer = await customer(planned);
    ids.customer.push(buyer.id);
    for (let n = random.int(0, 4); n > 0; n--) {
      const placed = await order(planned, {
        channel: random.pick(['WEB', 'MOBILE_APP', 'PHONE']),
        customer: { id: buyer.id },
        lines: products.slice(0, random.int(1, 3)).map((product) => ({ sku: product.sku, quantity: random.int(1, 3) })),
      });
      ids.order.push(placed.id);
    }
    for (let n = random.int(1, 5); n > 0; n--) {
      const contact = await record(planned, {
        customer: { id: buyer.id },
        channel: random.pick(['CHAT', 'EMAIL', 'PHONE']),
        direction: random.pick(['INBOUND', 'OUTBOUND']),
        subject: `Subject ${n}`,
        body: `Body ${n} of ${buyer.email}`,
        newConversation: random.chance(0.3),
      });
      ids.interaction.push(contact.id);
      const conversationId = contact.conversation?.id;
      if (conversationId && !ids.conversation.includes(conversationId)) ids.conversation.push(conversationId);
    }
  }
  // Contacts an ingesting system recorded for customers it made itself: what INGEST may read in full.
  for (let index = 0; index < 4; index++) {
    const contact = await record(planned, { customer: newCustomerRef('ingested'), channel: 'EMAIL', subject: `Ingested ${index}` }, TOKENS.INGEST);
    for (const pool of [ids, ingested]) {
      pool.interaction.push(contact.id);
      if (contact.conversation && !pool.conversation.includes(contact.conversation.id)) pool.conversation.push(contact.conversation.id);
      pool.customer.push(contact.customer.id);
    }
    const bought = await order(
      planned,
      { channel: 'WEB', customer: { id: contact.customer.id }, lines: [{ sku: products[1].sku, quantity: 1 }] },
      TOKENS.INGEST,
    );
    ids.order.push(bought.id);
    ingested.order.push(bought.id);
  }
  for (const conversationId of ids.conversation.slice(0, 6)) {
    await planned.ok(
      `mutation { assignConversation(input: { conversationId: "${conversationId}", agentId: "${random.pick(agents)}", note: "over to you" }) { userErrors { code } } }`,
    );
  }
  // Offers for the decisions (one for every customer, one for a segment), a consent and a declined offer.
  const offerIds: string[] = [];
  for (const segment of ['null', '"omnichannel"']) {
    const res = await planned.ok<{ upsertOffer: { offer: { id: string } } }, Record<string, never>>(
      `mutation { upsertOffer(input: { code: "${unique('DIFF-')}", title: "Differential", discountPercent: 5, segment: ${segment} }) { offer { id } } }`,
    );
    offerIds.push(res.upsertOffer.offer.id);
  }
  await planned.ok(
    `mutation { recordConsent(input: { customerId: "${ids.customer[2]}", purpose: MARKETING, channel: EMAIL, granted: true }) { userErrors { code } } }`,
  );
  await planned.ok(
    `mutation { respondToOffer(input: { offerId: "${offerIds[0]}", customerId: "${ids.customer[2]}", channel: EMAIL, response: DECLINED }) { userErrors { code } } }`,
  );
  // A customer merged away: what points at it resolves to the survivor (the planner leaves it to the resolver).
  await planned.ok(
    `mutation { mergeCustomers(input: { survivorId: "${ids.customer[0]}", mergedId: "${ids.customer[1]}", reason: "same person" }) { userErrors { code } } }`,
  );
  // A guest order: no customer.
  ids.order.push(
    (
      await order(planned, {
        channel: 'WEB',
        guestIdentities: [{ type: 'EMAIL', value: `${unique('guest')}@example.com` }],
        lines: [{ sku: products[0].sku, quantity: 1 }],
      })
    ).id,
  );
}, 120_000);

afterAll(async () => {
  await budgeted?.stop();
  await unplanned?.stop();
  await planned?.stop();
});

describe('the read planner answers what the loaders answer', () => {
  it('fixture: conversations, interactions, orders and customers exist', () => {
    expect(ids.conversation.length).toBeGreaterThan(4);
    expect(ids.order.length).toBeGreaterThan(4);
  });

  it.each(['ADMIN', 'AGENT', 'ANALYST', 'PARTNER', 'INGEST'] as const)('over 60 generated documents as %s', async (role) => {
    const random = new Random(`read-planner-${role}`);
    const cursors = new Map<string, string[]>();
    let compared = 0;
    const budget = { over: 0, within: 0, failed: 0 };
    for (let index = 0; index < 60; index++) {
      const roots = role === 'INGEST' ? ROOTS.filter((candidate) => !candidate.with) : ROOTS;
      const root = roots[index % roots.length];
      const document = `query Generated { ${root.root(random, role === 'INGEST' ? ingested : ids)} { ${root.with?.(role) ?? ''} ${selection(random, root.type, role === 'INGEST' ? 1 : 3, cursors)} } }`;
      const [withPlanner, withoutPlanner, small] = await Promise.all([
        planned.gql(document, {}, TOKENS[role]),
        unplanned.gql(document, {}, TOKENS[role]),
        budgeted.gql(document, {}, TOKENS[role]),
      ]);
      expect({ document, answer: comparable(withPlanner) }).toEqual({ document, answer: comparable(withoutPlanner) });
      budget[expectWithinBudget(document, withPlanner, small)]++;
      collectCursors(withPlanner.data, cursors);
      if (withPlanner.data) compared++;
    }
    // Both sides of the budget are reached: answers over it (roles that read lists with text), and
    // answers within it whose counted text equals theirs exactly.
    expect(budget.within).toBeGreaterThanOrEqual(5);
    if (role === 'ADMIN' || role === 'AGENT' || role === 'ANALYST') expect(budget.over).toBeGreaterThanOrEqual(3);
    // The role policy refuses a whole document that names a field the role may not read (PARTNER: any
    // order or product field; INGEST: lists and most relations, so its documents stay one level deep),
    // so those roles get fewer answers with data.
    expect(compared).toBeGreaterThanOrEqual(MIN_ANSWERED[role]);
  });

  it("finds root rows by key as the services do: a merged id, unknown and malformed keys, another writer's row", async () => {
    const selection = `id __typename`;
    const cases: [string, keyof typeof TOKENS][] = [
      // ids.customer[1] was merged into ids.customer[0]: its id answers the survivor.
      [`customer(id: "${ids.customer[1]}") { ${selection} displayName email timeline(first: 2) { edges { node { id kind } } } }`, 'ADMIN'],
      [`customer(id: "${ids.customer[0]}") { ${selection} orders(first: 1) { totalCount } }`, 'AGENT'],
      [`customer(id: "cus_unknown") { ${selection} }`, 'ADMIN'],
      [`customer(id: "${ids.order[0]}") { ${selection} }`, 'ADMIN'],
      [`order(id: "ord_unknown") { ${selection} }`, 'ADMIN'],
      [`order(id: "${ids.order[0]}") { ${selection} total { amount } lines { sku product { sku } } }`, 'ANALYST'],
      [`product(sku: " ${ids.sku[0]} ") { ${selection} sku availability { onHand } }`, 'ADMIN'],
      [`product(sku: "no-such-sku") { ${selection} }`, 'ADMIN'],
      [`conversation(id: "${ids.conversation[0]}") { ${selection} customer { id } interactions(first: 2) { edges { node { id } } } }`, 'INGEST'],
      [`interaction(id: "${ids.interaction[0]}") { ${selection} channel }`, 'INGEST'],
      [`conversation(id: "${ingested.conversation[0]}") { ${selection} }`, 'INGEST'],
      [`interaction(id: "cnv_wrong_prefix") { ${selection} }`, 'AGENT'],
    ];
    const answered: unknown[] = [];
    for (const [root, role] of cases) {
      const document = `query Lookup { found: ${root} }`;
      const [withPlanner, withoutPlanner] = await Promise.all([planned.gql(document, {}, TOKENS[role]), unplanned.gql(document, {}, TOKENS[role])]);
      expect({ document, answer: comparable(withPlanner) }).toEqual({ document, answer: comparable(withoutPlanner) });
      answered.push((withPlanner.data as { found?: unknown } | null)?.found ?? withPlanner.errors?.[0]?.extensions?.code ?? null);
    }
    // The cases reach what they are about: the survivor, nothing for unknown keys, a refusal for INGEST.
    expect((answered[0] as { id: string }).id).toBe(ids.customer[0]);
    expect(answered.slice(2, 5)).toEqual([null, null, null]);
    expect((answered[6] as { sku: string }).sku).toBe(ids.sku[0]);
    expect(answered[7]).toBeNull();
    expect(answered[8]).toBe('FORBIDDEN');
    expect((answered[10] as { id: string }).id).toBe(ingested.conversation[0]);
  });

  it('plans a repeated document again where its variables or the role change what it reads', async () => {
    interface Answered {
      orders?: { totalCount: number; edges: { cursor: string; node: { lines?: unknown[] } }[] };
      timeline?: { edges: { node: { kind: string } }[] };
      conversations?: { edges: { node: { status: string } }[] };
    }
    // The planner keeps a compiled plan per field of a parsed document: the same text with other
    // variables below the root, or under another role, must not reuse a plan made for different ones.
    const document = `query Again($id: ID!, $n: Int, $after: String, $withTimeline: Boolean!, $status: ConversationStatus) {
      customer(id: $id) {
        id
        orders(first: $n, after: $after) { totalCount edges { cursor node { id lines @include(if: $withTimeline) { sku } } } }
        timeline(first: $n) @include(if: $withTimeline) { edges { node { id kind } } }
        conversations(first: 5, status: $status) { edges { node { id status } } }
      }
    }`;
    const timeline = `query Timeline($id: ID!, $n: Int) { customer(id: $id) { id timeline(first: $n) { edges { node { id kind } } } } }`;
    const answers = new Set<string>();
    const runs: [string, Record<string, unknown>, keyof typeof TOKENS][] = [
      [document, { id: ids.customer[0], n: 1, withTimeline: true }, 'ADMIN'],
      [document, { id: ids.customer[0], n: 3, withTimeline: true }, 'ADMIN'],
      [document, { id: ids.customer[0], n: 3, withTimeline: false }, 'ADMIN'],
      [document, { id: ids.customer[0], n: 2, withTimeline: true, status: 'OPEN' }, 'AGENT'],
      [document, { id: ids.customer[2], n: 2, withTimeline: true }, 'ADMIN'],
      // The timeline's sources depend on the role: PARTNER's leaves orders out.
      [timeline, { id: ids.customer[0], n: 20 }, 'ADMIN'],
      [timeline, { id: ids.customer[0], n: 20 }, 'PARTNER'],
    ];
    for (const [text, variables, role] of runs) {
      const [withPlanner, withoutPlanner] = await Promise.all([planned.gql(text, variables, TOKENS[role]), unplanned.gql(text, variables, TOKENS[role])]);
      expect({ variables, role, answer: comparable(withPlanner) }).toEqual({ variables, role, answer: comparable(withoutPlanner) });
      expect(withPlanner.errors).toBeUndefined();
      // Both servers plan (the second field by field), so each answer is also checked against the variables.
      const customer = (withPlanner.data as { customer: Answered }).customer;
      const n = variables.n as number;
      if (customer.orders) expect(customer.orders.edges).toHaveLength(Math.min(n, customer.orders.totalCount));
      if (text === document) expect(Boolean(customer.timeline)).toBe(variables.withTimeline);
      if (customer.timeline && text === document) expect(customer.timeline.edges).toHaveLength(n);
      if (customer.orders?.edges[0]) expect(Boolean(customer.orders.edges[0].node.lines)).toBe(variables.withTimeline);
      for (const edge of customer.conversations?.edges ?? []) if (variables.status) expect(edge.node.status).toBe(variables.status);
      if (text === timeline) expect(customer.timeline!.edges.some((edge) => edge.node.kind === 'ORDER')).toBe(role === 'ADMIN');
      answers.add(JSON.stringify(withPlanner));
      // The next page through the cursor the first run gave: the same plan, other parameters.
      const cursor = (withPlanner.data as { customer?: { orders?: { edges: { cursor: string }[] } } } | null)?.customer?.orders?.edges[0]?.cursor;
      if (cursor) {
        const next = { ...variables, after: cursor };
        const [plannedNext, unplannedNext] = await Promise.all([planned.gql(text, next, TOKENS[role]), unplanned.gql(text, next, TOKENS[role])]);
        expect({ next, answer: comparable(plannedNext) }).toEqual({ next, answer: comparable(unplannedNext) });
      }
    }
    expect(answers.size).toBe(runs.length);
  });

  it("walks a customer's timeline page by page through its cursors as the loaders do (each source cut to the page before the union)", async () => {
    type Timeline = {
      customer: {
        timeline: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: { id: string; kind: string; at: string } }[] };
      };
    };
    const text = `query Walk($id: ID!, $n: Int, $after: String) {
      customer(id: $id) { timeline(first: $n, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id kind at channel summary } } } }
    }`;
    for (const id of ids.customer.slice(0, 3)) {
      const whole = (await planned.ok<Timeline, { id: string; n: number }>(text, { id, n: 100 })).customer.timeline.edges.map((edge) => edge.node.id);
      expect(new Set(whole.map((entry) => entry)).size).toBe(whole.length);
      const walked: string[] = [];
      let after: string | null = null;
      do {
        const variables: { id: string; n: number; after: string | null } = { id, n: 2, after };
        const [withPlanner, withoutPlanner] = await Promise.all([planned.gql(text, variables, TOKENS.ADMIN), unplanned.gql(text, variables, TOKENS.ADMIN)]);
        expect(withPlanner.errors).toBeUndefined();
        expect({ variables, answer: comparable(withPlanner) }).toEqual({ variables, answer: comparable(withoutPlanner) });
        const page = (withPlanner.data as Timeline).customer.timeline;
        walked.push(...page.edges.map((edge) => edge.node.id));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(walked).toEqual(whole);
      expect(whole.length).toBeGreaterThan(2);
    }
  });

  it('answers aliases named like JavaScript object properties (__proto__, constructor, toString) as the loaders do', async () => {
    // Planned rows are decoded by object literals built from the plan's keys and the document's aliases.
    const text = `query Aliased($id: ID!) {
      customer(id: $id) {
        id
        __proto__: orders(first: 2) { edges { node { id constructor: lines { sku } } } }
        toString: conversations(first: 2) { edges { node { id } } }
      }
    }`;
    const [withPlanner, withoutPlanner] = await Promise.all([
      planned.gql(text, { id: ids.customer[2] }, TOKENS.ADMIN),
      unplanned.gql(text, { id: ids.customer[2] }, TOKENS.ADMIN),
    ]);
    expect(withPlanner.errors).toBeUndefined();
    expect(comparable(withPlanner)).toEqual(comparable(withoutPlanner));
    const customer = (withPlanner.data as { customer: Record<string, { edges: { node: Record<string, unknown> }[] }> }).customer;
    const unplannedCustomer = (withoutPlanner.data as { customer: object }).customer;
    expect(Object.getOwnPropertyNames(customer)).toEqual(Object.getOwnPropertyNames(unplannedCustomer));
    expect(Object.getOwnPropertyNames(customer).sort()).toEqual(['__proto__', 'id', 'toString']);
    expect(customer['__proto__'].edges.length).toBeGreaterThan(0);
    expect(Array.isArray(customer['__proto__'].edges[0].node['constructor'])).toBe(true);
  });

  it('reads every root list and every connection below its nodes in as many statements for 50 items as for 2', async () => {
    const nullableArgs = (field: FieldInfo) => field.args.every((arg) => arg.type.kind !== 'NON_NULL');
    const isConnection = (field: FieldInfo) => Boolean(named(field.type).name?.endsWith('Connection')) && nullableArgs(field);
    const roots = types.get('Query')!.filter(isConnection);
    expect(roots.map((root) => root.name)).toEqual(expect.arrayContaining(['conversations', 'customers', 'orders', 'products']));
    const checked: string[] = [];
    for (const root of roots) {
      const nodeType = named(types.get(named(root.type).name!)!.find((field) => field.name === 'edges')!.type).name!;
      const nodeField = types.get(nodeType)!.find((field) => field.name === 'node')!;
      const nested = (types.get(named(nodeField.type).name!) ?? []).filter(isConnection);
      for (const connection of [undefined, ...nested]) {
        const inner = connection ? `${connection.name}(first: $first) { totalCount edges { cursor node { __typename } } }` : '';
        const document = `query Sized($first: Int) { ${root.name}(first: $first) { totalCount edges { cursor node { __typename ${inner} } } } }`;
        const small = await planned.countStatements(() => planned.ok(document, { first: 2 }));
        const large = await planned.countStatements(() => planned.ok(document, { first: 50 }));
        checked.push(`${root.name}${connection ? `.${connection.name}` : ''}: ${small.count}/${large.count}`);
        expect({ page: checked.at(-1), statements: large.count }).toEqual({ page: checked.at(-1), statements: small.count });
      }
    }
    expect(checked.length).toBeGreaterThan(8);
  });

  it('reads a page of 50 conversations with customer, assignee and interactions in as many statements as a page of 5', async () => {
    const inbox = (first: number) =>
      `{ conversations(first: ${first}) { edges { node { id customer { id displayName } assignee { id name } interactions(first: 10) { totalCount edges { node { id channel } } } handovers { from { name } to { name } } } } } }`;
    const small = await planned.countStatements(() => planned.ok(inbox(5)));
    const large = await planned.countStatements(() => planned.ok(inbox(50)));
    expect(large.count).toBe(small.count);
    expect(large.count).toBeLessThanOrEqual(2);
    const without = await unplanned.countStatements(() => unplanned.ok(inbox(50)));
    expect(without.count).toBeGreaterThan(large.count);
  });
});
