import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * What a module holds about a customer. Each module registers its owners here (in its `index.ts`),
 * and the customer services (merge, undo, export, erasure) walk the registry: no function in
 * omni360 knows every table.
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

const owners: CustomerDataOwner[] = [];

export function registerCustomerData(...entries: CustomerDataOwner[]): void {
  for (const entry of entries) {
    if (owners.some((owner) => owner.name === entry.name)) continue;
    owners.push(entry);
  }
}

export function customerDataOwners(): readonly CustomerDataOwner[] {
  return owners;
}
