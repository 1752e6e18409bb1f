/**
 * How a service finds one row by a key (an id, a sku) when its caller has a better way than the
 * service's own loader: the read planner's `plannedFinder`, which reads the row with everything the
 * selection asks below it in one statement. The service keeps what the lookup means (which keys are
 * valid, who may read the row).
 */
export type RowFinder<R> = (key: string) => Promise<R | null>;
