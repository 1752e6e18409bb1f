import { forbidden, Role, type Principal } from './auth';

/**
 * THE role policy: what each role may read, at the type level. One table, enforced in two places:
 * - before execution, on every transport, by the role-policy check (server/role-policy.ts): a document
 *   that selects a type, a field or an argument the caller's role may not use is refused as a whole
 *   with FORBIDDEN naming each refused coordinate, wherever it appears (query, nested field, inline
 *   fragment, mutation payload, subscription);
 * - at resolve time, for results whose type the document does not name: node(id), timeline entries,
 *   the event log (query and subscription replay), which never return a record of a type the role may
 *   not read.
 * Root operations declare their roles with `@Allow` next to the resolver; the same check reads them
 * from the schema, and test/role-policy.test.ts requires them to be within the roles of the type they
 * return. docs/reliability.md ("Role policy") and the README's role matrix describe it.
 */

const { ADMIN, AGENT, ANALYST, PARTNER, INGEST } = Role;

/** Internal readers: staff and analysts. */
const INTERNAL: readonly Role[] = [ADMIN, AGENT, ANALYST];
/** Records INGEST writes and reads back (only its own: see the writer guard) besides internal readers. */
const INTERNAL_AND_WRITERS: readonly Role[] = [ADMIN, AGENT, ANALYST, INGEST];
/** Who may hold webhooks (Roles.WEBHOOKS). */
const WEBHOOK_OWNERS: readonly Role[] = [ADMIN, PARTNER];
/** Views mixing every writer's records: never INGEST, which sees only what it wrote. */
const READERS: readonly Role[] = [ADMIN, AGENT, ANALYST, PARTNER];

/**
 * Object types and the roles that may read them; a type not listed is readable by every role that
 * reaches it. PARTNER gets neither money nor orders, catalogue, stock or offers; INGEST gets no view
 * that mixes other writers' records (timelines, stats, handovers, merges, consents, the event log).
 */
export const TYPE_POLICY: Readonly<Record<string, readonly Role[]>> = {
  Money: INTERNAL_AND_WRITERS,
  Order: INTERNAL_AND_WRITERS,
  OrderLine: INTERNAL_AND_WRITERS,
  OrderGuestIdentity: INTERNAL_AND_WRITERS,
  OrderConnection: INTERNAL,
  OrderEdge: INTERNAL,
  OrderEvent: INTERNAL,
  Product: INTERNAL_AND_WRITERS,
  ProductConnection: INTERNAL,
  ProductEdge: INTERNAL,
  Availability: INTERNAL_AND_WRITERS,
  StockLevel: INTERNAL_AND_WRITERS,
  StockEvent: INTERNAL,
  Location: INTERNAL_AND_WRITERS,
  Offer: INTERNAL_AND_WRITERS,
  OfferDecision: INTERNAL,
  ChannelOrders: INTERNAL,
  Analytics: INTERNAL,
  JourneyStat: INTERNAL,
  DuplicateCandidate: INTERNAL,
  CustomerStats: READERS,
  TimelineConnection: READERS,
  TimelineEdge: READERS,
  TimelineEntry: READERS,
  Handover: READERS,
  CustomerMerge: READERS,
  Consent: READERS,
  Event: READERS,
  EventConnection: READERS,
  EventEdge: READERS,
  CustomerEvent: READERS,
  InteractionEvent: READERS,
  ErasedRecords: [ADMIN],
  // Webhooks: their owners (PARTNER, its own only: the service's owner check) and ADMIN.
  Webhook: WEBHOOK_OWNERS,
  WebhookDelivery: WEBHOOK_OWNERS,
  WebhookDeliveryConnection: WEBHOOK_OWNERS,
  WebhookDeliveryEdge: WEBHOOK_OWNERS,
};

/**
 * Fields narrower than their type, as `Type.field`. Fields declared with `@Allow` (root operations,
 * Customer.orders, Customer.offers) carry their roles in the schema and need no row here.
 */
export const FIELD_POLICY: Readonly<Record<string, readonly Role[]>> = {
  // Order figures: the same as Money and Order, whatever type carries them.
  'CustomerStats.orderCount': INTERNAL,
  'CustomerStats.firstOrderAt': INTERNAL,
  'CustomerStats.lastOrderAt': INTERNAL,
  // Segments (vip, lapsed) are decided from revenue.
  'Customer.segments': INTERNAL,
};

/**
 * Arguments that match personal data, as `Type.field(argument)`: masked roles would otherwise rebuild
 * masked values by probing (a prefix search answers whether `jan.k` starts someone's e-mail).
 */
export const ARGUMENT_POLICY: Readonly<Record<string, readonly Role[]>> = {
  'Query.customers(search)': [ADMIN, AGENT],
};

/**
 * Event types and the object type each one reveals (its payload describes such a record): a role that
 * may not read the type gets none of these events, in `events` or in any subscription or replay.
 */
export const EVENT_TYPE_POLICY: Readonly<Record<string, string>> = {
  'order.*': 'Order',
  'offer.*': 'Offer',
  'product.*': 'Product',
  'stock.*': 'StockLevel',
  'location.*': 'Location',
};

/** Whether `principal` may read objects of the GraphQL type `typeName`. */
export function canReadType(principal: Principal | undefined, typeName: string): boolean {
  if (!principal) return false;
  const roles = TYPE_POLICY[typeName];
  return !roles || roles.includes(principal.role as Role);
}

/** Refuses a record of a type the role may not read (node(id) and other abstract results). */
export function assertReadableType(principal: Principal | undefined, typeName: string): void {
  if (!canReadType(principal, typeName)) throw forbidden(`Your role may not read ${typeName}.`);
}

/** Event-type patterns (`order.*`) whose events the principal may not see. */
export function hiddenEventTypes(principal: Principal | undefined): string[] {
  return Object.entries(EVENT_TYPE_POLICY)
    .filter(([, type]) => !canReadType(principal, type))
    .map(([pattern]) => pattern);
}
