import type { Knex } from 'knex';
import {
  AssignConversationDocument, ConversationsInboxDocument, CustomersWithContactsDocument, EventsDocument, GetInteractionDocument, RecordInteractionDocument,
  ResolveConversationDocument, UpsertAgentDocument, type RecordInteractionInput, type RecordInteractionMutation,
} from './generated/graphql';
import { newCustomerRef, record } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
const CUSTOMERS = 55;
let countingAgentId: string;

beforeAll(async () => {
  env = await startTestServer();
  const agent = await env.ok(UpsertAgentDocument, { input: { email: `${unique('count')}@support.example.com`, name: 'Counting Agent' } });
  const agentId = agent.upsertAgent.agent!.id;
  countingAgentId = agentId;
  for (let batch = 0; batch < CUSTOMERS; batch += 11) {
    await Promise.all(Array.from({ length: Math.min(11, CUSTOMERS - batch) }, async (_, i) => {
      const first = await record(env, { customer: newCustomerRef('count'), channel: 'CHAT' });
      await record(env, { customer: { id: first.customer.id }, channel: 'EMAIL', direction: 'OUTBOUND', agentId });
      const call = await record(env, { customer: { id: first.customer.id }, channel: 'PHONE', newConversation: true });
      // Every page, small or large, has assigned conversations: both pages load agents.
      await env.ok(AssignConversationDocument, { input: { conversationId: call.conversation.id, agentId, note: 'n' } });
      if ((batch + i) % 2 === 0) await env.ok(AssignConversationDocument, { input: { conversationId: first.conversation.id, agentId, note: 'n' } });
    }));
  }
}, 60_000);
afterAll(() => env.stop());

const TIMELINES = `query($first: Int) { customers(first: $first) { edges { node { id timeline(first: 5) { totalCount edges { cursor node { kind at
  interaction { id } conversation { id } handover { id to { name } } } } } } } } }`;

describe('statement counts of list queries (a page of 50 costs what a page of 5 costs)', () => {
  it('conversations(first: N) { interactions customer assignee }', async () => {
    const small = await env.countStatements(() => env.ok(ConversationsInboxDocument, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok(ConversationsInboxDocument, { first: 50 });
      expect(res.conversations.edges).toHaveLength(50);
      expect(res.conversations.edges.every((edge) => edge.node.interactions.edges.length > 0 && edge.node.customer.id)).toBe(true);
      expect(res.conversations.edges.some((edge) => edge.node.assignee?.name === 'Counting Agent')).toBe(true);
    });
    expect(large.count).toBe(small.count);
    // The list's own statement carries everything below its rows (the read planner's column).
    expect(large.count).toBe(1);
  });

  it('customers(first: N) { interactions conversations }', async () => {
    const small = await env.countStatements(() => env.ok(CustomersWithContactsDocument, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok(CustomersWithContactsDocument, { first: 50 }, TOKENS.PARTNER);
      expect(res.customers.edges).toHaveLength(50);
      for (const edge of res.customers.edges) {
        expect(edge.node.interactions.edges).toHaveLength(3);
        expect(edge.node.conversations.edges).toHaveLength(2);
      }
    });
    expect(large.count).toBe(small.count);
    expect(large.count).toBe(1);
  });

  it('customers(first: N) { timeline(first: 5) { totalCount ... } }', async () => {
    const small = await env.countStatements(() => env.ok(TIMELINES, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok<{ customers: { edges: { node: { timeline: { totalCount: number; edges: unknown[] } } }[] } }, unknown>(TIMELINES, { first: 50 });
      expect(res.customers.edges).toHaveLength(50);
      for (const edge of res.customers.edges) {
        expect(edge.node.timeline.edges).toHaveLength(Math.min(5, edge.node.timeline.totalCount));
        expect(edge.node.timeline.totalCount).toBeGreaterThanOrEqual(3);
      }
    });
    expect(large.count).toBe(small.count);
  });

  it('events(first: N)', async () => {
    const small = await env.countStatements(() => env.ok(EventsDocument, { first: 5 }));
    const large = await env.countStatements(async () => {
      const res = await env.ok(EventsDocument, { first: 50 });
      expect(res.events.edges).toHaveLength(50);
    });
    expect(large.count).toBe(small.count);
  });
});

/**
 * recordInteraction counted as a client sees it: every statement of the request, BEGIN and COMMIT
 * included, and the answer's fields (customer with its e-mail, conversation, agent). Whatever the
 * threading does (join, reopen, open), at most 8, its events appended in ONE statement.
 */
describe('statement counts of recordInteraction', () => {
  const recordCounted = async (input: Partial<RecordInteractionInput> & Pick<RecordInteractionInput, 'customer'>) => {
    let answer: RecordInteractionMutation['recordInteraction'] | undefined;
    const counted = await env.countStatements(async () => {
      answer = (await env.ok(RecordInteractionDocument, { input: { source: 'count', externalId: unique('cnt'), channel: 'CHAT', direction: 'INBOUND', ...input } })).recordInteraction;
    });
    expect(answer!.userErrors).toEqual([]);
    expect(answer!.created).toBe(true);
    expect(counted.statements[0]).toMatch(/^BEGIN/);
    expect(counted.statements).toContain('COMMIT;');
    expect(counted.statements.filter((sql) => /insert into event\b/.test(sql))).toHaveLength(1);
    // The answer primed from the write is the interaction as read afterwards.
    expect((await env.ok(GetInteractionDocument, { id: answer!.interaction!.id })).interaction).toEqual(answer!.interaction);
    return { count: counted.count, interaction: answer!.interaction! };
  };

  it('joins the open conversation, reopens a resolved one, opens a new one, with an agent: at most 8 statements each', async () => {
    const first = await record(env, { customer: newCustomerRef('wcount'), channel: 'CHAT' });
    const customer = { id: first.customer.id };
    const joined = await recordCounted({ customer, channel: 'EMAIL' });
    expect(joined.interaction.conversation.id).toBe(first.conversation.id);
    expect(joined.count).toBeLessThanOrEqual(8);

    const answered = await recordCounted({ customer, channel: 'CHAT', direction: 'OUTBOUND', agentId: countingAgentId });
    expect(answered.interaction).toMatchObject({ agent: { id: countingAgentId }, conversation: { id: first.conversation.id, status: 'PENDING' } });
    expect(answered.count).toBeLessThanOrEqual(8);

    await env.ok(ResolveConversationDocument, { input: { conversationId: first.conversation.id } });
    const reopened = await recordCounted({ customer, channel: 'PHONE' });
    expect(reopened.interaction.conversation).toMatchObject({ id: first.conversation.id, status: 'OPEN', channels: ['CHAT', 'EMAIL', 'PHONE'] });
    expect(reopened.count).toBeLessThanOrEqual(8);

    const opened = await recordCounted({ customer, channel: 'SMS', newConversation: true });
    expect(opened.interaction.conversation.id).not.toBe(first.conversation.id);
    expect(opened.interaction.conversation).toMatchObject({ status: 'OPEN', channels: ['SMS'] });
    expect(opened.count).toBeLessThanOrEqual(8);
  });
});


describe('what a timeline page reads of interactions', () => {
  interface PlanNode { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] }

  /** The node types of the scans of `table` in the plan of the statement that reads the page of `document` (its first). */
  async function scansOf(document: string, variables: Record<string, unknown>, table: string): Promise<string[]> {
    const knex = env.server.app.orm.em.getConnection().getKnex();
    const seen: { sql: string; bindings: readonly Knex.Value[] }[] = [];
    const listener = (q: { sql: string; bindings?: readonly Knex.Value[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
    knex.on('query', listener);
    try {
      await env.ok(document, variables);
    } finally {
      knex.off('query', listener);
    }
    expect(seen[0].sql).toContain('from interaction i where i.customer_id');
    // The tables of a test are small enough for sequential and bitmap scans: only the index paths are compared.
    const plan = await knex.transaction(async (trx) => {
      await trx.raw('set local enable_seqscan = off');
      await trx.raw('set local enable_bitmapscan = off');
      const { rows } = await trx.raw<{ rows: { 'QUERY PLAN': { Plan: PlanNode }[] }[] }>(`explain (format json) ${seen[0].sql}`, [...seen[0].bindings]);
      return rows[0]['QUERY PLAN'][0].Plan;
    });
    const scans: string[] = [];
    const visit = (node: PlanNode) => {
      if (node['Relation Name'] === table) scans.push(node['Node Type']);
      for (const below of node.Plans ?? []) visit(below);
    };
    visit(plan);
    return scans;
  }

  it('reads them from interaction_customer_idx alone unless the page asks for their conversation', async () => {
    const knex = env.server.app.orm.em.getConnection().getKnex();
    // The index-only path needs the visibility map of the rows the test wrote.
    await knex.raw('vacuum (analyze) interaction');
    const first = await env.ok<{ customers: { edges: { node: { id: string } }[] } }, unknown>(`{ customers(first: 1) { edges { node { id } } } }`);
    const id = first.customers.edges[0].node.id;
    const page = (entry: string) => `query($id: ID!) { customer(id: $id) { id timeline(first: 20) { edges { node { ${entry} } } } } }`;
    expect(await scansOf(page('id kind at channel summary'), { id }, 'interaction')).toEqual(['Index Only Scan']);
    expect(await scansOf(page('id kind at conversation { id }'), { id }, 'interaction')).toEqual(['Index Scan']);
  });
});
