import type { Context } from '../context/context';

/**
 * What another module reads for a customer, embedded in `customer(id)`'s own statement when the
 * selection asks for it (the stats, the offer-decision inputs: the customer-360 page in 4 statements
 * instead of 6). The value is a JSON column computed over the customer row `c` (the survivor, after
 * merges); the owning module turns it into what its loaders hold and primes them. Declared by the
 * owning module (`OmniModule.customerEmbeds`), read by the customers module's loaders.
 */
export interface CustomerEmbed {
  /** The Customer fields that read what the embed primes. */
  fields: readonly string[];
  /** A JSON-valued SQL expression over `c`. */
  sql: string;
  /** Primes the loaders those fields read, for the customer `customerId`, from the embedded value. */
  prime(ctx: Context, customerId: string, value: unknown): void;
}

let customerEmbeds: ReadonlyMap<string, CustomerEmbed> = new Map();

/** Replaces the embeds: called by wireModules (src/modules/wiring.ts) only. */
export function installCustomerEmbeds(entries: ReadonlyMap<string, CustomerEmbed>): void {
  customerEmbeds = new Map(entries);
}

/**
 * The embeds a selection of Customer fields asks for, as a canonical list ('' for none): part of the
 * loader key. For one customer only: on a list page the statement would compute them before the page's
 * other reads instead of beside them (the list of 50 at one connection: p99 25 -> 33 ms).
 */
export function customerEmbedsFor(fields: Set<string>): string {
  return [...customerEmbeds]
    .filter(([, embed]) => embed.fields.some((field) => fields.has(field)))
    .map(([name]) => name)
    .sort()
    .join(',');
}

/** The embed named `name` by customerEmbedsFor. */
export function customerEmbed(name: string): CustomerEmbed {
  const embed = customerEmbeds.get(name);
  if (!embed) throw new Error(`customer embed "${name}" is not wired`);
  return embed;
}
