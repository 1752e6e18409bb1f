import type { Principal } from '../common/principal';
import { timelineSourcesFor } from '../common/timeline';
import { IdentitiesByCustomerLoader } from '../modules/customers/customer.loaders';
import type { IdentityType_ } from '../modules/customers/customer.type';
import type { ReadContribution, ReadType } from './declarations';

/** A customer's identities, oldest first, as JSON in IdentitiesByCustomerLoader's row shape. */
const identitiesOf = (customer: string) => `coalesce((
  select json_agg(json_build_object('id', i.id, 'customerId', i.customer_id, 'type', i.type, 'system', nullif(i.system, ''),
           'value', i.value, 'verified', i.verified, 'firstSeenChannel', i.first_seen_channel,
           'addedAt', to_char(i.added_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
         order by i.added_at, i.id)
    from identity i where i.customer_id = ${customer}.id), '[]'::json)`;

/**
 * A customer's history: every module's timeline source the principal may read, one SELECT each (the
 * page is their union; the entries' typed fields, e.g. the interaction of an INTERACTION entry, are
 * read by their loaders).
 */
const timelineOf = (customerId: string, principal: Principal | undefined) =>
  timelineSourcesFor(principal).map(
    (source) =>
      `select '${source.kind}'::text as kind, s.id, s.at, s.channel, s.summary, s.parent_id from (${source.select(customerId)}) s(id, at, channel, summary, parent_id)`,
  );

const DELIVERY_KEYS = [
  'id',
  'webhookId',
  'eventId',
  'eventXid',
  'eventType',
  'status',
  'attempts',
  'nextAttemptAt',
  'lastAttemptAt',
  'lastResponseStatus',
  'lastError',
  'deliveredAt',
  'createdAt',
];

/** A customer's primary identity of a type: the earliest added (what Customer.email and .phone answer). */
const primaryOf = (type: 'EMAIL' | 'PHONE') => (customer: string) =>
  `(select i.value from identity i where i.customer_id = ${customer}.id and i.type = '${type}' order by i.added_at, i.id limit 1)`;

/** A row by its id: the lookup of `order(id)`, `conversation(id)`, `interaction(id)`. */
const byId = { id: (row: string, key: string) => `${row}.id = ${key}` };

/**
 * `customer(id)`: an id merged away stands for its survivor, found by walking `merged_into_id` (at most
 * 32 merges deep, as CustomerByIdLoader walks it); no row when the chain is longer. The walk runs only
 * for a merged row: the lookup itself is one probe of the key (a lookup that first resolved the survivor
 * probed the key twice, 4 of the timeline statement's 45 buffers and 7 % of its cost under pgbench).
 */
const survivorOf = (row: string) => `(
    with recursive chain(id, merged_into, depth) as (
      select c.id, c.merged_into_id, 1 from customer c where c.id = ${row}.merged_into_id
      union all
      select c.id, c.merged_into_id, chain.depth + 1 from chain join customer c on c.id = chain.merged_into where chain.depth < 32
    )
    select chain.id from chain where chain.merged_into is null)`;

/** A customer merged away is read through its survivor's chain by the resolver, not planned. */
const unmerged = (customer: string) => `${customer}.merged_into_id is null`;

/**
 * The read graph as the planner declares it: every object type the planner serves, by GraphQL name. The
 * domain modules add their keys to it (`OmniModule.reads`: a customer's stats, its offer-decision
 * inputs); fields declared nowhere stay with their resolvers and services, which the planned rows feed
 * like any other row.
 */
const DECLARED: ReadonlyMap<string, ReadType> = new Map<string, ReadType>([
  [
    'Customer',
    {
      entity: 'CustomerEntity',
      lookups: byId,
      standsFor: { when: (row) => `${row}.merged_into_id is not null`, key: survivorOf },
      row: ['id', 'firstName', 'lastName', 'locale', 'city', 'status', 'createdAt', 'createdBy'],
      always: ['id', 'createdBy'],
      reads: {
        displayName: ['firstName', 'lastName', 'status', 'unnamedEmail'],
        email: ['primaryEmail'],
        phone: ['primaryPhone'],
        identities: ['identities'],
      },
      computed: {
        identities: identitiesOf,
        primaryEmail: primaryOf('EMAIL'),
        primaryPhone: primaryOf('PHONE'),
        // displayName needs the e-mail only for a customer without a name: not looked up for the others.
        unnamedEmail: (customer) =>
          `case when nullif(${customer}.first_name, '') is null and nullif(${customer}.last_name, '') is null then ${primaryOf('EMAIL')(customer)} end`,
      },
      // displayName, email, phone and identities read the identities through their loader.
      prime: (ctx, row) => {
        if (typeof row.id === 'string' && Array.isArray(row.identities))
          ctx.loaders.get(IdentitiesByCustomerLoader).prime(row.id, row.identities as IdentityType_[]);
      },
      relations: {
        orders: {
          kind: 'page',
          target: 'Order',
          via: 'customer',
          order: [
            { key: 'placedAt', direction: 'desc' },
            { key: 'id', direction: 'desc' },
          ],
          filter: { arg: 'channel', key: 'channel' },
        },
        interactions: {
          kind: 'page',
          target: 'Interaction',
          via: 'customer',
          order: [
            { key: 'occurredAt', direction: 'desc' },
            { key: 'id', direction: 'desc' },
          ],
          filter: { arg: 'channel', key: 'channel' },
        },
        timeline: {
          kind: 'page',
          target: 'TimelineEntry',
          via: 'customer',
          order: [
            { key: 'at', direction: 'desc', type: 'timestamptz' },
            { key: 'kind', direction: 'desc' },
            { key: 'id', direction: 'desc' },
          ],
          source: (customer, principal) => timelineOf(`${customer}.id`, principal),
        },
        conversations: {
          kind: 'page',
          target: 'Conversation',
          via: 'customer',
          order: [{ key: 'id', direction: 'desc' }],
          filter: { arg: 'status', key: 'status' },
        },
      },
    },
  ],
  [
    'Webhook',
    {
      entity: 'WebhookEntity',
      row: ['id'],
      always: ['id'],
      relations: {
        deliveries: {
          kind: 'page',
          target: 'WebhookDelivery',
          via: 'webhookId',
          order: [
            { key: 'createdAt', direction: 'desc' },
            { key: 'id', direction: 'desc' },
          ],
        },
      },
    },
  ],
  [
    'WebhookDelivery',
    {
      entity: 'WebhookDeliveryEntity',
      row: DELIVERY_KEYS,
      // Every key: the resolver turns the row into the GraphQL type whole (toDeliveryType).
      always: DELIVERY_KEYS,
    },
  ],
  [
    'TimelineEntry',
    {
      row: ['customerId', 'kind', 'id', 'at', 'channel', 'summary', 'parentId'],
      always: ['kind', 'id'],
      // The record an entry belongs to is read only for the fields that load it: a page that does not ask
      // for them reads an interaction's entry from interaction_customer_idx alone (its conversation_id is
      // the one column the index does not hold), not from the heap (bench (g) at scale 10: PostgreSQL's
      // 0.37 ms per page against PostGraphile's 0.31 before, 0.37 against 0.37 after).
      reads: { conversation: ['parentId'], offer: ['parentId'], interaction: [], handover: [] },
      computed: {
        customerId: (_entry, customer) => `${customer}.id`,
        kind: (entry) => `${entry}.kind`,
        id: (entry) => `${entry}.id`,
        at: (entry) => `${entry}.at::text`,
        channel: (entry) => `${entry}.channel`,
        summary: (entry) => `${entry}.summary`,
        parentId: (entry) => `${entry}.parent_id`,
      },
    },
  ],
  [
    'Order',
    {
      entity: 'OrderEntity',
      lookups: byId,
      row: [
        'id',
        'source',
        'externalId',
        'channel',
        'locationId',
        'customerId',
        'status',
        'placedAt',
        'currency',
        'subtotalCents',
        'discountCents',
        'totalCents',
        'guestIdentities',
        'imported',
        'createdBy',
      ],
      // The keyset (placedAt, id) and the writer (INGEST reads its own writes); the customer's id only when its field is asked for.
      always: ['id', 'placedAt', 'createdBy'],
      reads: { total: ['totalCents', 'currency'], subtotal: ['subtotalCents', 'currency'], discountTotal: ['discountCents', 'currency'] },
      relations: {
        customer: { kind: 'one', target: 'Customer', via: 'customer', onlyWhen: unmerged },
        location: { kind: 'one', target: 'Location', via: 'location' },
        lines: { kind: 'many', target: 'OrderLine', via: 'order', order: [{ key: 'lineNo', direction: 'asc' }] },
      },
    },
  ],
  [
    'OrderLine',
    {
      entity: 'OrderLineEntity',
      row: ['id', 'orderId', 'lineNo', 'productId', 'sku', 'quantity', 'unitPriceCents', 'discountCents', 'totalCents', 'offerId', 'currency'],
      // No id field, no loader by id: a line reads what its fields ask for (its product planned with it reads no key).
      always: [],
      reads: { unitPrice: ['unitPriceCents', 'currency'], discount: ['discountCents', 'currency'], total: ['totalCents', 'currency'] },
      // A line has no currency of its own: its order's (the parent row of a planned line).
      computed: { currency: (_line, order) => `${order}.currency` },
      relations: { product: { kind: 'one', target: 'Product', via: 'product' } },
    },
  ],
  [
    'Product',
    {
      entity: 'ProductEntity',
      lookups: { sku: (row: string, key: string) => `${row}.sku = ${key}` },
      row: ['id', 'sku', 'name', 'category', 'priceCents', 'currency', 'active', 'createdAt', 'updatedAt'],
      // The id when asked for (or when availability is not planned): a list's product names alone read no id per line.
      always: [],
      reads: { price: ['priceCents', 'currency'] },
      relations: {
        // The three totals in one aggregate over the product's levels (three scalar subqueries read them three times).
        availability: {
          kind: 'inline',
          target: 'Availability',
          source: (product) => `select ${product}.id, ${product}.sku, coalesce(sum(s.on_hand), 0) as on_hand, coalesce(sum(s.reserved), 0) as reserved,
                   coalesce(sum(s.on_hand - s.reserved), 0) as available
              from stock_level s where s.product_id = ${product}.id`,
        },
      },
    },
  ],
  // Totals of a product's stock levels, summed in PostgreSQL: a list of 50 products reads 50 rows, not 1,000.
  [
    'Availability',
    {
      row: ['sku', 'productId', 'onHand', 'reserved', 'available'],
      always: [],
      // Over the row of Product.availability's source.
      computed: {
        sku: (totals) => `${totals}.sku`,
        productId: (totals) => `${totals}.id`,
        onHand: (totals) => `${totals}.on_hand`,
        reserved: (totals) => `${totals}.reserved`,
        available: (totals) => `${totals}.available`,
      },
      relations: {
        // Warehouses first, then by location code: the order of fulfilment.
        byLocation: {
          kind: 'many',
          target: 'StockLevel',
          via: 'product',
          order: [],
          joinOne: 'location',
          orderSql: (level) => `case ${level}_location.type when 'WAREHOUSE' then 0 else 1 end, ${level}_location.code`,
        },
      },
    },
  ],
  [
    'StockLevel',
    {
      entity: 'StockLevelEntity',
      row: ['productId', 'sku', 'locationId', 'onHand', 'reserved', 'available'],
      always: ['productId', 'locationId'],
      computed: {
        sku: (level) => `(select p.sku from product p where p.id = ${level}.product_id)`,
        available: (level) => `${level}.on_hand - ${level}.reserved`,
      },
      relations: { location: { kind: 'one', target: 'Location', via: 'location' }, product: { kind: 'one', target: 'Product', via: 'product' } },
    },
  ],
  ['Location', { entity: 'LocationEntity', row: ['id', 'code', 'name', 'type', 'createdAt'], always: ['id'] }],
  ['Agent', { entity: 'AgentEntity', row: ['id', 'email', 'name', 'createdAt'], always: ['id'] }],
  [
    'Conversation',
    {
      entity: 'ConversationEntity',
      lookups: byId,
      row: [
        'id',
        'customerId',
        'status',
        'subject',
        'channels',
        'assigneeId',
        'openedAt',
        'lastActivityAt',
        'firstInboundAt',
        'firstInboundChannel',
        'firstResponseAt',
        'resolvedAt',
        'reopenCount',
        'createdBy',
      ],
      always: ['id', 'createdBy'],
      reads: {
        firstResponseSeconds: ['firstInboundAt', 'firstResponseAt'],
        slaDueAt: ['firstInboundAt', 'firstInboundChannel'],
        slaBreached: ['firstInboundAt', 'firstInboundChannel', 'firstResponseAt', 'resolvedAt'],
      },
      relations: {
        customer: { kind: 'one', target: 'Customer', via: 'customer', onlyWhen: unmerged },
        assignee: { kind: 'one', target: 'Agent', via: 'assignee' },
        interactions: {
          kind: 'page',
          target: 'Interaction',
          via: 'conversation',
          order: [
            { key: 'occurredAt', direction: 'asc' },
            { key: 'id', direction: 'asc' },
          ],
        },
        handovers: {
          kind: 'many',
          target: 'Handover',
          via: 'conversation',
          order: [
            { key: 'at', direction: 'asc' },
            { key: 'id', direction: 'asc' },
          ],
        },
      },
    },
  ],
  [
    'Interaction',
    {
      entity: 'InteractionEntity',
      lookups: byId,
      row: [
        'id',
        'source',
        'externalId',
        'channel',
        'direction',
        'customerId',
        'conversationId',
        'agentId',
        'subject',
        'body',
        'occurredAt',
        'recordedAt',
        'createdBy',
      ],
      always: ['id', 'createdBy'],
      relations: {
        customer: { kind: 'one', target: 'Customer', via: 'customer', onlyWhen: unmerged },
        conversation: { kind: 'one', target: 'Conversation', via: 'conversation' },
        agent: { kind: 'one', target: 'Agent', via: 'agent' },
      },
    },
  ],
  [
    'Handover',
    {
      entity: 'HandoverEntity',
      row: ['id', 'conversationId', 'customerId', 'fromAgentId', 'toAgentId', 'note', 'at'],
      always: ['id'],
      relations: { from: { kind: 'one', target: 'Agent', via: 'fromAgent' }, to: { kind: 'one', target: 'Agent', via: 'toAgent' } },
    },
  ],
]);

let readGraph: ReadonlyMap<string, ReadType> = DECLARED;

/** The read graph the planner plans over: DECLARED with what the modules contribute (installReadGraph). */
export function readTypes(): ReadonlyMap<string, ReadType> {
  return readGraph;
}

/**
 * DECLARED with the modules' `contributions` added: their computed keys, the fields that read them, and
 * their prime hooks after the type's own. Throws (changing nothing) when a contribution names a type the
 * graph does not have, declares a key or a field the type already has, or a field reads a key that is
 * neither a row key nor computed.
 */
export function readGraphWith(contributions: readonly ReadContribution[]): ReadonlyMap<string, ReadType> {
  const types = new Map(DECLARED);
  for (const contribution of contributions) {
    const base = types.get(contribution.type);
    if (!base) throw new Error(`read contribution to ${contribution.type}: the read graph has no such type`);
    for (const key of Object.keys(contribution.computed)) {
      if (base.row.includes(key) || base.computed?.[key]) throw new Error(`read contribution to ${contribution.type}: the key ${key} is declared twice`);
    }
    for (const field of Object.keys(contribution.reads)) {
      if (base.reads?.[field] || base.relations?.[field]) throw new Error(`read contribution to ${contribution.type}: the field ${field} is declared twice`);
    }
    for (const field of Object.keys(contribution.narrowReads ?? {})) {
      if (!contribution.reads[field]) throw new Error(`read contribution to ${contribution.type}: ${field} narrows reads it does not declare`);
    }
    const ownPrime = base.prime;
    types.set(contribution.type, {
      ...base,
      computed: { ...base.computed, ...contribution.computed },
      reads: { ...base.reads, ...contribution.reads },
      narrowReads: { ...base.narrowReads, ...contribution.narrowReads },
      prime: (ctx, row) => {
        ownPrime?.(ctx, row);
        contribution.prime(ctx, row);
      },
    });
  }
  for (const [name, type] of types) {
    const declared = [...Object.entries(type.reads ?? {}), ...Object.entries(type.narrowReads ?? {}).map(([field, narrow]) => [field, narrow.keys] as const)];
    for (const [field, keys] of declared) {
      const unknown = keys.find((key) => !type.row.includes(key) && !type.computed?.[key]);
      if (unknown) throw new Error(`read graph: ${name}.${field} reads ${unknown}, which is neither a row key nor computed`);
    }
  }
  return types;
}

/** Replaces the read graph with one readGraphWith made: called by wireModules (src/modules/wiring.ts) only. */
export function installReadGraph(graph: ReadonlyMap<string, ReadType>): void {
  readGraph = graph;
}
