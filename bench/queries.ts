import {
  buildClientSchema, getIntrospectionQuery, parse, print, TypeInfo, validate, visit, visitWithTypeInfo,
  type GraphQLSchema, type IntrospectionQuery,
} from 'graphql';

/**
 * The documents of the scenarios, written against the public contract exactly as issue 5 asks, so
 * they work the moment the fields land. The SAME selection is used on every run; the references
 * (floor, PostGraphile) answer the same content (see reference-sql.ts, postgraphile-queries below).
 */

/** (a) the customer-360 page: one customer with everything a front end shows. */
export const CUSTOMER_360 = /* GraphQL */ `
query Customer360($id: ID!) {
  customer(id: $id) {
    id displayName firstName lastName email phone status createdAt
    identities { type value system verified firstSeenChannel addedAt }
    stats {
      lifetimeValue { amount currencyCode }
      orderCount
      averageOrderValue { amount currencyCode }
      ordersByChannel { channel orderCount revenue { amount currencyCode } }
      interactionsByChannel { channel count }
      channelsUsed preferredChannel firstOrderAt lastOrderAt lastInteractionAt openConversations
    }
    orders(first: 20) {
      edges { node {
        id channel status placedAt total { amount currencyCode }
        lines { quantity unitPrice { amount currencyCode } total { amount currencyCode } product { id sku name } }
      } }
    }
    interactions(first: 20) { edges { node { id channel direction subject occurredAt } } }
    conversations(first: 5) { edges { node { id status subject channels openedAt } } }
    offers { offer { id code title } eligible contactAllowed lastResponse }
  }
}`;

/** (b) a list page: 50 customers with their last 20 orders and two figures. */
export const CUSTOMER_LIST = /* GraphQL */ `
query CustomerList($after: String) {
  customers(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id displayName
      orders(first: 20) {
        edges { node {
          id channel status placedAt total { amount currencyCode }
          lines { quantity total { amount currencyCode } product { sku name } }
        } }
      }
      stats { lifetimeValue { amount currencyCode } orderCount }
    } }
  }
}`;

/** Walks the pages of (b) cheaply, to collect the `after` cursors the load rotates over. */
export const CUSTOMER_PAGES = /* GraphQL */ `
query CustomerPages($after: String) {
  customers(first: 50, after: $after) { pageInfo { hasNextPage endCursor } }
}`;

/** (c) every aggregate of the analytics type over one year. */
export const ANALYTICS_YEAR = /* GraphQL */ `
query AnalyticsYear($from: DateTime!, $to: DateTime!) {
  analytics(from: $from, to: $to) {
    revenueByChannel { channel orderCount revenue { amount currencyCode } }
    interactionsByChannel { channel count }
    firstContactResolutionRate
    averageFirstResponseSeconds
    chat: averageFirstResponseSeconds(channel: CHAT)
    crossChannelJourneys(windowDays: 30) { touchChannel purchaseChannel customers }
    omnichannelCustomerShare
  }
}`;

/** (d) the write: one inbound chat message of a known customer. */
export const RECORD_INTERACTION = /* GraphQL */ `
mutation RecordInteraction($input: RecordInteractionInput!) {
  recordInteraction(input: $input) { interaction { id externalId } created userErrors { code message } }
}`;

/** (w) an order of a known customer, shipped by the fulfilment rule (the answer: what a shop's confirmation shows). */
export const PLACE_ORDER = /* GraphQL */ `
mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id status total { amount currencyCode } lines { sku quantity } } created userErrors { code message } }
}`;

/** (d) what each live subscriber listens to. */
export const INTERACTION_ADDED = /* GraphQL */ `
subscription InteractionAdded {
  interactionAdded { eventId interaction { id externalId body occurredAt } }
}`;

export async function fetchSchema(url: string, token: string): Promise<GraphQLSchema> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const body = (await response.json()) as { data?: IntrospectionQuery; errors?: { message: string }[] };
  if (!body.data) throw new Error(`introspection failed: ${body.errors?.map((error) => error.message).join('; ') ?? response.status}`);
  return buildClientSchema(body.data);
}

export interface Fitted {
  /** The document with every field the schema lacks removed (identical to the input when none is). */
  document: string;
  /** `Type.field` of every removed field, e.g. `Customer.stats`. */
  missing: string[];
  /** Validation errors that remain after removing missing fields (e.g. a changed argument). */
  errors: string[];
}

/**
 * Fits a document to a server's schema: fields the schema does not have are removed (and reported),
 * so a scenario can tell "field missing" from "server failed", and a partial variant can still run.
 */
export function fitToSchema(schema: GraphQLSchema, source: string): Fitted {
  const missing = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  let document = visit(parse(source), visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (parent && !typeInfo.getFieldDef()) {
        missing.add(`${parent.name}.${node.name.value}`);
        return null;
      }
      return undefined;
    },
  }));
  // Selections left empty by a removal are removed in turn.
  let changed = true;
  while (changed) {
    changed = false;
    document = visit(document, {
      Field(node) {
        if (node.selectionSet && node.selectionSet.selections.length === 0) {
          changed = true;
          return null;
        }
        return undefined;
      },
    });
  }
  const errors = validate(schema, document).map((error) => error.message);
  return { document: print(document), missing: [...missing].sort(), errors };
}

/** Top-level fields of Customer a missing-field list removes from (a) and (b), e.g. `stats`. */
export function removedCustomerFeatures(missing: string[]): string[] {
  return missing.filter((name) => name.startsWith('Customer.')).map((name) => name.slice('Customer.'.length));
}

// PostGraphile v5 (amber preset, default inflection) over omni360's tables: a table's `id` column is
// `rowId` there (`id` is its global Node id). Stats, offers, the display name and the primary
// e-mail/phone are computed-column functions in the postgraphile_bench schema (reference-sql.ts), so
// PostGraphile compiles each request into one SQL statement, as it does.

const PG_CUSTOMER_FIELDS: Record<string, string> = {
  identities: `identitiesByCustomerId(orderBy: [ADDED_AT_ASC, ROW_ID_ASC]) { nodes { type value system verified firstSeenChannel addedAt } }`,
  stats: `stats { lifetimeValue currencyCode orderCount averageOrderValue ordersByChannel interactionsByChannel channelsUsed preferredChannel
    firstOrderAt lastOrderAt lastInteractionAt openConversations }`,
  orders: `ordersByCustomerId(first: 20, orderBy: [PLACED_AT_DESC, ROW_ID_DESC]) { edges { node {
    rowId channel status placedAt totalCents currency
    orderLinesByOrderId(orderBy: [LINE_NO_ASC]) { nodes { quantity unitPriceCents totalCents productByProductId { rowId sku name } } }
  } } }`,
  interactions: `interactionsByCustomerId(first: 20, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC]) { edges { node { rowId channel direction subject occurredAt } } }`,
  conversations: `conversationsByCustomerId(first: 5, orderBy: [ROW_ID_DESC]) { edges { node { rowId status subject channels openedAt } } }`,
  offers: `offers { nodes { offerId code title eligible contactAllowed lastResponse } }`,
};

export function postgraphileCustomer360(without: string[] = []): string {
  const extra = Object.entries(PG_CUSTOMER_FIELDS).filter(([name]) => !without.includes(name)).map(([, selection]) => selection);
  return `query Customer360($id: String!) {
  customerByRowId(rowId: $id) {
    rowId displayName firstName lastName email phone status createdAt
    ${extra.join('\n    ')}
  }
}`;
}

export function postgraphileCustomerList(without: string[] = []): string {
  const stats = without.includes('stats') ? '' : 'stats { lifetimeValue currencyCode orderCount }';
  return `query CustomerList($after: Cursor) {
  allCustomers(first: 50, after: $after, orderBy: [ROW_ID_DESC], condition: { mergedIntoId: null }) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      rowId displayName
      ordersByCustomerId(first: 20, orderBy: [PLACED_AT_DESC, ROW_ID_DESC]) { edges { node {
        rowId channel status placedAt totalCents currency
        orderLinesByOrderId(orderBy: [LINE_NO_ASC]) { nodes { quantity totalCents productByProductId { sku name } } }
      } } }
      ${stats}
    } }
  }
}`;
}

export const POSTGRAPHILE_PAGES = `query CustomerPages($after: Cursor) {
  allCustomers(first: 50, after: $after, orderBy: [ROW_ID_DESC], condition: { mergedIntoId: null }) { pageInfo { hasNextPage endCursor } }
}`;

// ---- the pages users open (issue 16 point 2): (f)-(k) -------------------------------------------------
// Each page: omni360's document, PostGraphile's document for the same content (rowId for id, cents and
// currency for Money, computed columns of the postgraphile_bench schema for what omni360 derives), and
// the root field both answer under (the load checks every answer starts with it).

export type PageId = 'f' | 'g' | 'h' | 'i' | 'j' | 'k';

export interface PageScenario {
  id: PageId;
  label: string;
  omni: string;
  omniRoot: string;
  graphile: string;
  graphileRoot: string;
}

export const PAGE_SCENARIOS: PageScenario[] = [
  {
    id: 'f',
    label: '(f) agent inbox 50',
    omniRoot: 'conversations',
    omni: /* GraphQL */ `
query AgentInbox($status: ConversationStatus) {
  conversations(status: $status, first: 50) {
    edges { node {
      id status subject channels openedAt lastActivityAt
      customer { id displayName }
      assignee { id name }
      interactions(first: 10) { edges { node { id channel direction subject occurredAt } } }
    } }
  }
}`,
    graphileRoot: 'allConversations',
    graphile: `query AgentInbox($status: String) {
  allConversations(first: 50, orderBy: [ROW_ID_DESC], condition: { status: $status }) {
    edges { node {
      rowId status subject channels openedAt lastActivityAt
      customerByCustomerId { rowId displayName }
      agentByAssigneeId { rowId name }
      interactionsByConversationId(first: 10, orderBy: [OCCURRED_AT_ASC, ROW_ID_ASC]) { edges { node { rowId channel direction subject occurredAt } } }
    } }
  }
}`,
  },
  {
    id: 'g',
    label: '(g) customer timeline 20',
    omniRoot: 'customer',
    omni: /* GraphQL */ `
query CustomerTimeline($id: ID!) {
  customer(id: $id) { id timeline(first: 20) { edges { node { id kind at channel summary } } } }
}`,
    graphileRoot: 'customerByRowId',
    graphile: `query CustomerTimeline($id: String!) {
  customerByRowId(rowId: $id) { rowId timeline(first: 20) { nodes { rowId kind at channel summary } } }
}`,
  },
  {
    id: 'h',
    label: '(h) customer search 20 × 5 orders',
    omniRoot: 'customers',
    omni: /* GraphQL */ `
query CustomerSearch($search: String) {
  customers(search: $search, first: 20) {
    edges { node {
      id displayName email
      orders(first: 5) { edges { node { id channel status placedAt total { amount currencyCode } } } }
    } }
  }
}`,
    graphileRoot: 'postgraphileBenchSearchCustomers',
    graphile: `query CustomerSearch($search: String!) {
  postgraphileBenchSearchCustomers(fragment: $search, first: 20) {
    edges { node {
      rowId displayName email
      ordersByCustomerId(first: 5, orderBy: [PLACED_AT_DESC, ROW_ID_DESC]) { edges { node { rowId channel status placedAt totalCents currency } } }
    } }
  }
}`,
  },
  {
    id: 'i',
    label: '(i) product stock per location',
    omniRoot: 'product',
    omni: /* GraphQL */ `
query ProductStock($sku: String!) {
  product(sku: $sku) {
    id sku name
    availability { onHand reserved available byLocation { location { code name type } onHand reserved available } }
  }
}`,
    graphileRoot: 'productBySku',
    graphile: `query ProductStock($sku: String!) {
  productBySku(sku: $sku) {
    rowId sku name
    availability { onHand reserved available byLocation }
  }
}`,
  },
  {
    id: 'j',
    label: '(j) product list 50 with stock',
    omniRoot: 'products',
    omni: /* GraphQL */ `
query ProductList($after: String) {
  products(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id sku name price { amount currencyCode } availability { onHand reserved available } } }
  }
}`,
    graphileRoot: 'allProducts',
    graphile: `query ProductList($after: Cursor) {
  allProducts(first: 50, after: $after, orderBy: [SKU_ASC]) {
    pageInfo { hasNextPage endCursor }
    edges { node { rowId sku name priceCents currency stockTotals { onHand reserved available } } }
  }
}`,
  },
  {
    id: 'k',
    label: '(k) order page',
    omniRoot: 'order',
    omni: /* GraphQL */ `
query OrderPage($id: ID!) {
  order(id: $id) {
    id externalId channel status placedAt total { amount currencyCode }
    customer { id displayName email }
    lines { quantity sku unitPrice { amount currencyCode } total { amount currencyCode } product { id sku name } }
  }
}`,
    graphileRoot: 'orderByRowId',
    graphile: `query OrderPage($id: String!) {
  orderByRowId(rowId: $id) {
    rowId externalId channel status placedAt totalCents currency
    customerByCustomerId { rowId displayName email }
    orderLinesByOrderId(orderBy: [LINE_NO_ASC]) { nodes { quantity sku unitPriceCents totalCents productByProductId { rowId sku name } } }
  }
}`,
  },
];

/** Walks the pages of (j) cheaply, per implementation, to collect the `after` cursors. */
export const PRODUCT_PAGES = /* GraphQL */ `
query ProductPages($after: String) {
  products(first: 50, after: $after) { pageInfo { hasNextPage endCursor } }
}`;

export const POSTGRAPHILE_PRODUCT_PAGES = `query ProductPages($after: Cursor) {
  allProducts(first: 50, after: $after, orderBy: [SKU_ASC]) { pageInfo { hasNextPage endCursor } }
}`;
