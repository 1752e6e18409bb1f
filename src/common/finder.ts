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
export type ListColumn = (alias: string) => { select: string; params: readonly unknown[] };

/** The select-list text and parameters of `column` over `alias`; nothing when there is no column. */
export function listColumn(column: ListColumn | undefined, alias: string): { select: string; params: readonly unknown[] } {
  return column ? column(alias) : { select: '', params: [] };
}
