import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Prefixes of the ids of every node type. An id carries its type so that `node(id)` can dispatch
 * without a lookup, and ids sort by creation time (48-bit millisecond time, then 80 random bits).
 */
export const ID_PREFIX = {
  Customer: 'cus',
  Identity: 'idn',
  Consent: 'cns',
  CustomerMerge: 'mrg',
  Product: 'prd',
  Location: 'loc',
  Order: 'ord',
  OrderLine: 'orl',
  StockMovement: 'stm',
  Offer: 'ofr',
  OfferResponse: 'ofs',
  Interaction: 'int',
  Conversation: 'cnv',
  Handover: 'hnd',
  Agent: 'agt',
  Webhook: 'whk',
} as const;

/** Types whose ids are minted by newId. */
export type MintedTypeName = keyof typeof ID_PREFIX;

/**
 * Every type `node(id)` can tell from an id: the minted ones, and a webhook delivery, whose id is its
 * webhook's id and its event's sequence number (`whk_….42`, the `webhook-id` header of its POSTs).
 */
export type NodeTypeName = MintedTypeName | 'WebhookDelivery';

/**
 * The one id encoder: `<prefix>_` + 10 Crockford base-32 characters of millisecond time + 16 random
 * ones, each taken from `digit(i)` (0-31). newId draws them from the CSPRNG; the bench's dataset
 * generator from its seeded stream, so its ids have the same shape and time order.
 */
export function encodeId(prefix: string, ms: number, digit: (index: number) => number): string {
  let time = '';
  let rest = Math.floor(ms);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[digit(i) & 31];
  return `${prefix}_${time}${random}`;
}

/** A new time-ordered id such as `cus_01jd3w2k9x...`. */
export function newId(type: MintedTypeName): string {
  const bytes = randomBytes(16);
  return encodeId(ID_PREFIX[type], Date.now(), (index) => bytes[index]);
}

const TYPE_BY_PREFIX = new Map<string, MintedTypeName>(
  Object.entries(ID_PREFIX).map(([type, prefix]) => [prefix, type as MintedTypeName]),
);

/** The node type an id belongs to, or undefined for anything that is not one of ours. */
export function typeOfId(id: string): NodeTypeName | undefined {
  const match = /^([a-z]{3})_[0-9a-z]{26}(\.[1-9][0-9]{0,18})?$/.exec(id);
  if (!match) return undefined;
  const type = TYPE_BY_PREFIX.get(match[1]);
  if (match[2] === undefined) return type;
  return type === 'Webhook' ? 'WebhookDelivery' : undefined;
}

/** True when `id` is well-formed for the given type; lets services answer NOT_FOUND without a query. */
export function isIdOf(type: NodeTypeName, id: string): boolean {
  return typeOfId(id) === type;
}
