/**
 * How a service finds one row by a key (an id, a sku) when its caller has a better way than the
 * service's own loader: the read planner's `plannedFinder`, which reads the row with everything the
 * selection asks below it in one statement. The service keeps what the lookup means (which keys are
 * valid, who may read the row).
 */
export type RowFinder<R> = (key: string) => Promise<R | null>;

/**
 * A column a caller asks a service's list statement to carry: the read planner's `plannedColumn`, which
 * reads what the selection asks below each row in the list's own statement. Given the alias of the
 * list's table, it gives what to append to the statement's select list (`, <expression> as "<name>"`)
 * and the parameters of that expression, which come before the statement's own (the select list
 * precedes its where clause). The service keeps what the list means (filters, order, page).
 */
export interface ListColumn {
  (alias: string): { select: string; params: readonly unknown[] };
  /**
   * Whether the selection reads pageInfo.hasNextPage, the one answer that needs a row past the page.
   * When it does not, the list reads its page and nothing past it (the column costs the most per row).
   */
  readonly nextPage: boolean;
}

/**
 * The select-list text and parameters of `column` over `alias` (nothing when there is no column), and
 * how many rows past the page the list reads: 1 to tell hasNextPage, 0 when the selection never asks.
 */
export function listColumn(column: ListColumn | undefined, alias: string): { select: string; params: readonly unknown[]; lookahead: 0 | 1 } {
  if (!column) return { select: '', params: [], lookahead: 1 };
  const { select, params } = column(alias);
  return { select, params, lookahead: column.nextPage ? 1 : 0 };
}
