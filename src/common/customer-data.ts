import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * What a module holds about a customer. Each module declares its owners (`OmniModule.customerData`),
 * wired here at start, and the customer services (merge, undo, export, erasure) walk them: no function
 * in omni360 knows every table.
 */
export interface CustomerDataOwner {
  /** Key in the GDPR export and in the erasure report, e.g. "orders". */
  name: string;
  /** Table holding rows that belong to one customer. */
  table: string;
  /** Column naming the owning customer. */
  customerColumn: string;
  /** Primary key column; merges record the exact rows they moved by it. */
  idColumn?: string;
  /** Whether mergeCustomers moves these rows to the survivor (default true). */
  movesOnMerge?: boolean;
  /**
   * Personal columns and the SQL expression that anonymises each one on erasure (e.g. `null`,
   * `'erased'`). Non-personal columns (amounts, dates, channels) stay for accounting.
   */
  personalColumns?: Record<string, string>;
  /** Rows for the GDPR export; defaults to every column of the customer's rows. */
  exportRows?: (em: EntityManager, customerId: string) => Promise<unknown[]>;
  /**
   * Extra erasure work beyond personal columns (e.g. scrubbing text inside JSON). Returns how many
   * rows it changed.
   */
  erase?: (em: EntityManager, customerId: string) => Promise<number>;
  /** Called after rows moved (merge or undo) for both customers, e.g. to refresh a read model. */
  afterMove?: (em: EntityManager, customerIds: string[]) => Promise<void>;
}

let owners: readonly CustomerDataOwner[] = [];

/** Replaces the owners: called by wireModules (src/modules/wiring.ts) only. */
export function installCustomerData(entries: readonly CustomerDataOwner[]): void {
  owners = [...entries];
}

export function customerDataOwners(): readonly CustomerDataOwner[] {
  return owners;
}

/** An identity as resolved by identification: normalised (e-mail lower-cased, phone E.164). */
export interface IdentifiedIdentity {
  type: string;
  /** '' when the type has no system. */
  system: string;
  value: string;
}

/**
 * Runs inside the identification's transaction after identities were resolved to (or created for) a
 * customer, e.g. so that guest orders carrying one of them are claimed by that customer.
 */
export type CustomerIdentifiedHook = (em: EntityManager, customerId: string, identities: IdentifiedIdentity[]) => Promise<void>;

let identifiedHooks: readonly CustomerIdentifiedHook[] = [];

/** Replaces the hooks: called by wireModules (src/modules/wiring.ts) only. */
export function installCustomerIdentifiedHooks(hooks: readonly CustomerIdentifiedHook[]): void {
  identifiedHooks = [...hooks];
}

/** How many hooks identification runs (none until the modules are wired). */
export function customerIdentifiedHookCount(): number {
  return identifiedHooks.length;
}

/** Called by the customers module's identification; other modules only declare hooks. */
export async function runCustomerIdentifiedHooks(em: EntityManager, customerId: string, identities: IdentifiedIdentity[]): Promise<void> {
  for (const hook of identifiedHooks) await hook(em, customerId, identities);
}
