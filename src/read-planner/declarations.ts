import type { Principal } from '../common/principal';
import type { Context } from '../context/context';

/**
 * What a GraphQL object type is made of, in the terms the planner needs: the entity behind it, what each
 * field reads of the row, and how its relations join. A new field is one line here, not a loader.
 */
export interface ReadType {
  /**
   * The MikroORM entity whose table holds the rows (table and columns come from its metadata); none for a
   * type computed over its parent's row (every key in `computed`).
   */
  entity?: string;
  /** Every key of the row type the resolvers take (what a selection of an undeclared field gets). */
  row: readonly string[];
  /** Keys every planned row carries, whatever is selected: the id and what fallbacks need. */
  always: readonly string[];
  /**
   * Keys a field reads when it is not a row key of the same name (computed fields, fields over several
   * columns). A selected field that is neither a row key, nor here, nor a relation reads the whole row.
   */
  reads?: Readonly<Record<string, readonly string[]>>;
  /** Fields that read less when only some of their subfields are selected (see NarrowReads). */
  narrowReads?: Readonly<Record<string, NarrowReads>>;
  /** Keys computed in SQL: `row` is the row's alias, `parent` the parent row's alias (or null at the root). */
  computed?: Readonly<Record<string, (row: string, parent: string | null) => string>>;
  relations?: Readonly<Record<string, Relation>>;
  /**
   * How a root field finds one row by a key (`customer(id)`, `product(sku)`): an SQL condition over the
   * row's alias and the key's placeholder, so that the row and everything selected below it come in one
   * statement (plannedFinder). What a lookup means beyond its condition is `standsFor`.
   */
  lookups?: Readonly<Record<string, (row: string, key: string) => string>>;
  /**
   * A row a lookup finds may stand for another: a customer merged away stands for its survivor. `when`
   * tells such a row apart (an SQL condition over the row's alias), `key` gives the key of the row it
   * stands for (null when there is none); the finder then reads that row by the same lookup. The common
   * key costs one index probe and one statement, a merged one a statement more.
   */
  standsFor?: { when: (row: string) => string; key: (row: string) => string };
  /** Feeds a loader from a planned row (what its undeclared fields read), once per planned row. */
  prime?: (ctx: Context, row: PlannedValues) => void;
}

/**
 * The keys an object field reads when nothing but `only` is selected below it, instead of its `reads`:
 * e.g. a customer's stats asked for order figures only read the order aggregates, not the
 * interactions' and conversations'.
 */
export interface NarrowReads {
  only: readonly string[];
  keys: readonly string[];
}

/** A planned row as the prime hooks see it: the keys the selection read, of whatever type the SQL gave them. */
export type PlannedValues = Readonly<Record<string, unknown>>;

/**
 * What a domain module adds to a type of the read graph (`OmniModule.reads`): keys computed in SQL over
 * the type's row, the fields that read them, and a prime that hands them to the module's loaders. The
 * planner adds the keys to its one statement wherever a selection asks for those fields (a root row, a
 * page's rows, a row nested below others), so the module's business rules run on its loaders, fed by
 * the planner, without a statement of their own: e.g. analytics declares a customer's stats.
 */
export interface ReadContribution {
  /** The GraphQL object type it adds to, e.g. 'Customer'. */
  type: string;
  /** Keys computed in SQL: `row` is the row's alias, `parent` the parent row's alias (or null at the root). */
  computed: Readonly<Record<string, (row: string, parent: string | null) => string>>;
  /** The type's fields that read the keys (any key of the type, the contributed ones included). */
  reads: Readonly<Record<string, readonly string[]>>;
  /** Of those fields, the ones that read less for some selections below them. */
  narrowReads?: Readonly<Record<string, NarrowReads>>;
  /** Feeds the module's loaders from a planned row; runs on every planned row of the type, whatever it read. */
  prime: (ctx: Context, row: PlannedValues) => void;
}

/** A key of the keyset order of a list: the row key and the direction. */
export interface OrderKey {
  key: string;
  direction: 'asc' | 'desc';
  /** For a relation with a `source`: the SQL type of the key's column (`text` when omitted). */
  type?: 'timestamptz' | 'text' | 'int';
}

export type Relation =
  /** A to-one read through the parent's many-to-one property `via`. */
  | { kind: 'one'; target: string; via: string; onlyWhen?: (row: string) => string }
  /**
   * Every row of `target` whose many-to-one property `via` points at the parent, in `order` (or the SQL
   * `orderSql` gives over its alias). `joinOne` names a to-one relation of `target` joined to each row
   * as `<alias>_<relation>`: `orderSql` may read it (a stock level's location), and the relation's row,
   * when selected, comes from the join instead of a subquery per row.
   */
  | { kind: 'many'; target: string; via: string; order: readonly OrderKey[]; orderSql?: (row: string) => string; joinOne?: string }
  /**
   * A value computed over the parent's row itself (no table of its own): the target's computed keys read
   * the parent's alias, or, with `source`, the one row that SQL gives over the parent's alias (computed
   * once for all the keys: e.g. a product's three stock totals in one aggregate).
   */
  | { kind: 'inline'; target: string; source?: (parent: string) => string }
  /**
   * A connection: a keyset page of the same, with an optional equality filter from an argument. With a
   * `source` the rows are not a table's but that SQL's (columns named as the row keys, in snake case),
   * every one of them the parent's: e.g. the timeline's entries of every module. A source given as
   * several SELECTs is their union, and the page cuts each to the page (keyset, order, the page size,
   * and the row past it when hasNextPage is asked) before the union, so a branch with an index in the
   * page's order reads a page of rows, not all of them.
   */
  | {
      kind: 'page';
      target: string;
      via: string;
      order: readonly OrderKey[];
      filter?: { arg: string; key: string };
      source?: (parent: string, principal: Principal | undefined) => string | readonly string[];
    };
