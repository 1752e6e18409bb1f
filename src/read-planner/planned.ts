/**
 * A row the read planner read for a selection. The planner reads only the keys the selection's fields
 * read (their `reads`, same-named row keys, the whole row for a field it does not know), so any other
 * key may be missing; the keys `Always` (the read type's `always`) are there whatever is selected. A
 * field resolver that takes a planned row handles a missing key explicitly: `plannedKeys` for the keys
 * its declared `reads` guarantee, or a load of the whole row.
 *
 * (A file of its own, without imports: the modules' type files name their planned rows with it, and the
 * planner's index imports the read graph, which imports the modules' loaders.)
 */
export type Planned<Row, Always extends keyof Row = never> = Pick<Row, Always> & Partial<Omit<Row, Always>>;

function hasKeys<Row, Key extends keyof Row>(row: Partial<Row>, keys: readonly Key[]): row is Partial<Row> & Pick<Row, Key> {
  return keys.every((key) => row[key] !== undefined);
}

/**
 * `row` with `keys` known to be there: the keys the declaration of the field being resolved makes the
 * planner read. Throws, naming them, when one is missing (a field whose `reads` forgot a key), rather
 * than answering from undefined.
 */
export function plannedKeys<Row, Key extends keyof Row>(row: Partial<Row>, ...keys: Key[]): Partial<Row> & Pick<Row, Key> {
  if (hasKeys(row, keys)) return row;
  const missing = keys.filter((key) => row[key] === undefined).map(String);
  throw new Error(`read planner: a planned row lacks ${missing.join(', ')} (declare them in the field's reads)`);
}
