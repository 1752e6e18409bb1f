import type { MetadataStorage } from '@mikro-orm/core';
import { isObjectType, type FieldNode, type GraphQLObjectType } from 'graphql';
import { decodeCursor, pageSize, type CursorValueType } from '../common/pagination';
import type { Principal } from '../common/principal';
import type { ReadType, Relation } from './declarations';
import { tableShape, type RowColumn, type TableShape } from './metadata';
import { asksNextPage, descend, fieldsOn, type SelectedField, type Walk } from './selection';

/** What a plan needs besides the selection: the declarations and the entity metadata. */
export interface PlanContext {
  walk: Walk;
  metadata: MetadataStorage;
  types: ReadonlyMap<string, ReadType>;
  /** Whose request it is: a relation's source may depend on what the principal may read (the timeline's). */
  principal: Principal | undefined;
  /** Plan the relations below the first level too (false: one level per statement, each relation on its own). */
  nested: boolean;
}

/**
 * A compiled plan: SQL whose text depends on the shape of the selection only (page sizes, cursors and
 * filters are parameters, so `first: 5` and `first: 50` share one prepared statement), and the
 * parameters in the order of its placeholders.
 */
export interface CompiledPlan {
  /** JSON object of the planned relations of the row aliased `t`, or undefined when nothing is plannable. */
  relationsSql: string | undefined;
  /** What the resolvers read, from the value of `relationsSql`. */
  decode: Decode;
  params: unknown[];
  /** The typed rows below, for the hooks that feed loaders (e.g. a customer's identities). */
  visits: Visit[];
}

/** Where a planned row of a type sits in the answer: the response keys from the root row down. */
export interface Visit {
  type: string;
  path: { alias: string; kind: Relation['kind'] }[];
}

/**
 * Turns the JSON of a planned expression into the rows the resolvers read. A row travels as a JSON array
 * of its values in the order of its keys (then its planned relations), not as an object: PostgreSQL
 * builds an array faster than an object with the same values, and JSON.parse reads no key per value;
 * the keys are the plan's, put back here.
 */
export type Decode = (value: unknown) => unknown;

/** Where a planned row keeps the values of its planned relations, by response key. */
export const PLANNED = '$p';

/** A planned SQL expression and how to read its value. */
interface Planned {
  sql: string;
  decode: Decode;
}

interface Builder {
  ctx: PlanContext;
  params: unknown[];
  aliases: number;
  visits: Visit[];
  /** To-one relations joined to a list's rows (`joinOne`): the joined alias by `<row alias>.<relation>`. */
  joined: Map<string, string>;
}

/**
 * The planned relations of rows of `type` for the selection `nodes` (the nodes of the rows' field), and
 * under `$row` the computed keys the selection reads of the rows themselves (a customer's primary e-mail).
 */
export function compileRelations(ctx: PlanContext, type: GraphQLObjectType, nodes: readonly FieldNode[]): CompiledPlan {
  const builder: Builder = { ctx, params: [], aliases: 0, visits: [], joined: new Map() };
  const fields = fieldsOn(ctx.walk, type, nodes);
  const declaration = ctx.types.get(type.name);
  const computed = declaration?.computed ?? {};
  const own = declaration ? [...keysRead(ctx.walk, declaration, fields, new Set())].filter((key) => key in computed).sort() : [];
  const ownRow = own.length ? { sql: `json_build_array(${own.map((key) => computed[key]('t', null)).join(', ')})`, decode: rowDecoder(own, []) } : undefined;
  const relations = relationsJson(builder, type, fields, 't', [], ownRow);
  return { relationsSql: relations?.sql, decode: relations?.decode ?? ((value) => value), params: builder.params, visits: builder.visits };
}

/**
 * A root row of `type` itself for the selection `nodes` (the nodes of the row's field): the keys the
 * selection reads, computed ones included, and its planned relations under `$p`, as one JSON object of
 * the row aliased `t`.
 */
export function compileRow(
  ctx: PlanContext,
  type: GraphQLObjectType,
  declaration: ReadType,
  nodes: readonly FieldNode[],
): { rowSql: string; decode: Decode; params: unknown[]; visits: Visit[] } {
  const builder: Builder = { ctx, params: [], aliases: 0, visits: [], joined: new Map() };
  // A root row found by a key carries its id whatever is selected (one row: the callers' row types keep it).
  const row = rowJson(builder, declaration, type, nodes, 't', null, [], declaration.row.includes('id') ? ['id'] : []);
  return { rowSql: row.sql, decode: row.decode, params: builder.params, visits: builder.visits };
}

/** The one relation field `field` of rows of `type` (a field resolved on its own, below a row the planner did not read). */
export function compileField(ctx: PlanContext, type: GraphQLObjectType, field: SelectedField): CompiledPlan {
  const builder: Builder = { ctx, params: [], aliases: 0, visits: [], joined: new Map() };
  const relations = relationsJson(builder, type, new Map([[field.alias, field]]), 't', []);
  return { relationsSql: relations?.sql, decode: relations?.decode ?? ((value) => value), params: builder.params, visits: builder.visits };
}

/**
 * json_build_object of the planned relations among `fields` of rows `alias` of `type` by response key
 * (with `$row`, the rows' own computed keys, when given); undefined if there is nothing to read.
 */
function relationsJson(
  builder: Builder,
  type: GraphQLObjectType,
  fields: Map<string, SelectedField>,
  alias: string,
  path: Visit['path'],
  own?: Planned,
): Planned | undefined {
  const relations = plannedRelations(builder, type, fields, alias, path);
  const entries = own ? [{ alias: '$row', ...own }, ...relations] : relations;
  if (!entries.length) return undefined;
  return {
    sql: `json_build_object(${entries.map((entry) => `'${entry.alias}', ${entry.sql}`).join(', ')})`,
    decode: objectDecoder(entries),
  };
}

/** A decoder of a JSON object of planned values by `alias`. */
function objectDecoder(entries: readonly (Planned & { alias: string })[]): Decode {
  const literal = objectLiteral(entries.map((entry, index) => [entry.alias, `decoders[${index}](object[${JSON.stringify(entry.alias)}])`]));
  const build = new Function('object', 'decoders', `return ${literal};`) as (object: unknown, decoders: readonly Decode[]) => unknown;
  const decoders = entries.map((entry) => entry.decode);
  return (value) => build(value, decoders);
}

/** The planned relations among `fields` of rows `alias` of `type`, by response key. */
function plannedRelations(
  builder: Builder,
  type: GraphQLObjectType,
  fields: Map<string, SelectedField>,
  alias: string,
  path: Visit['path'],
): (Planned & { alias: string })[] {
  const declaration = builder.ctx.types.get(type.name);
  const planned: (Planned & { alias: string })[] = [];
  for (const field of fields.values()) {
    const relation = declaration?.relations?.[field.name];
    if (!declaration || !relation || !field.type) continue;
    const value = relationSql(builder, declaration, relation, field, alias, [...path, { alias: field.alias, kind: relation.kind }]);
    if (value) planned.push({ alias: field.alias, ...value });
  }
  return planned;
}

/**
 * A row's decoder: its `keys` from the first cells, then its planned `relations` under PLANNED. Built as
 * one object literal per plan, so every row of a plan has the same shape from its creation: in V8 that
 * reads 500 rows of 8 keys in half the time of JSON.parse reading them as objects, where a loop
 * assigning the keys one by one saved a fifth.
 */
function rowDecoder(keys: readonly string[], relations: readonly (Planned & { alias: string })[]): Decode {
  const entries = keys.map((key, index): [string, string] => [key, `cells[${index}]`]);
  if (relations.length) {
    const planned = objectLiteral(relations.map((relation, index) => [relation.alias, `decoders[${index}](cells[${keys.length + index}])`]));
    entries.push([PLANNED, planned]);
  }
  const build = new Function('cells', 'decoders', `return ${objectLiteral(entries)};`) as (cells: unknown, decoders: readonly Decode[]) => unknown;
  const decoders = relations.map((relation) => relation.decode);
  return (value) => build(value, decoders);
}

/**
 * The text of an object literal of `entries` (key, expression). The keys are the plan's row keys and
 * response keys, quoted as JSON; nothing of a request's values is in the text. `__proto__` (a response
 * key may be spelled so) is written as a computed key, which makes an own property like JSON.parse does,
 * not the object's prototype.
 */
function objectLiteral(entries: readonly [string, string][]): string {
  return `{ ${entries.map(([key, value]) => `${key === '__proto__' ? `[${JSON.stringify(key)}]` : JSON.stringify(key)}: ${value}`).join(', ')} }`;
}

/** A decoder that leaves null alone. */
function orNull(decode: Decode): Decode {
  return (value) => (value === null || value === undefined ? null : decode(value));
}

/** A decoder of a JSON array of rows. */
function eachOf(decode: Decode): Decode {
  return (value) => (value as unknown[]).map(decode);
}

function relationSql(
  builder: Builder,
  parent: ReadType,
  relation: Relation,
  field: SelectedField,
  parentAlias: string,
  path: Visit['path'],
): Planned | undefined {
  const target = builder.ctx.types.get(relation.target);
  if (!target) return undefined;
  if (relation.kind === 'inline' && !relation.source) return rowJson(builder, target, field.type!, field.nodes, parentAlias, parentAlias, path);
  const alias = `r${++builder.aliases}`;
  if (relation.kind === 'inline') {
    const row = rowJson(builder, target, field.type!, field.nodes, alias, parentAlias, path);
    return { sql: `(select ${row.sql} from (${relation.source!(parentAlias)}) ${alias})`, decode: orNull(row.decode) };
  }
  if (relation.kind === 'one') {
    const joined = builder.joined.get(`${parentAlias}.${field.name}`);
    if (joined) {
      // Joined to the parent's list already (its `joinOne`): the row from the join, no subquery.
      const row = rowJson(builder, target, field.type!, field.nodes, joined, parentAlias, path);
      return {
        sql: `case when ${joined}.id is not null${relation.onlyWhen ? ` and ${relation.onlyWhen(joined)}` : ''} then ${row.sql} end`,
        decode: orNull(row.decode),
      };
    }
    const targetShape = shape(builder, target);
    const fk = shape(builder, parent).foreignKeys.get(relation.via);
    if (!fk) return undefined;
    const row = rowJson(builder, target, field.type!, field.nodes, alias, parentAlias, path);
    const when = relation.onlyWhen ? ` and ${relation.onlyWhen(alias)}` : '';
    return { sql: `(select ${row.sql} from "${targetShape.table}" ${alias} where ${alias}.id = ${parentAlias}.${fk}${when})`, decode: orNull(row.decode) };
  }
  const rows = rowsOf(builder, target, relation, parentAlias);
  if (!rows) return undefined;
  const order = relation.order.map((key) => ({ ...rows.orderKey(key.key), column: `${alias}.${rows.orderKey(key.key).column}`, direction: key.direction }));
  const orderBy = order.map((key) => `${key.column} ${key.direction}`).join(', ');
  if (relation.kind === 'many') {
    const join = relation.joinOne ? joinOne(builder, target, relation.joinOne, alias) : '';
    const listOrder = relation.orderSql ? relation.orderSql(alias) : orderBy;
    const row = rowJson(builder, target, field.type!, field.nodes, alias, parentAlias, path);
    return {
      sql: `array_to_json(array(select ${row.sql} from ${rows.from(alias)}${join} where ${rows.belongs(alias)} order by ${listOrder}))`,
      decode: eachOf(row.decode),
    };
  }
  // A connection: the rows are under edges.node (the Connection type's shape). Arguments the resolver
  // would refuse (a bad cursor, a page size out of range) are left to it, so its error keeps its path.
  const cursorTypes = order.map((key) => key.cursor);
  let after: (string | number)[] | null;
  let first: number;
  try {
    after = typeof field.args.after === 'string' ? decodeCursor(field.args.after, order.length, cursorTypes) : null;
    first = pageSize(field.args.first as number | undefined);
  } catch {
    return undefined;
  }
  const node = descend(builder.ctx.walk, field.type!, field.nodes, ['edges', 'node']);
  // A row past the page only when the selection asks whether there is one.
  const lookahead = asksNextPage(builder.ctx.walk, field.type!, field.nodes) ? 1 : 0;
  const filterValue = relation.filter ? (field.args[relation.filter.arg] ?? null) : null;
  // A filter and a cursor are conditions only when given. Written as `(? is null or ...)` for one text
  // whatever is given, they made the generic plan read all of a parent's rows and sort them, where the
  // index gives them in order up to the limit (0.4 of 1.4 ms for 20 customers' first 5 orders).
  /** The rows of this parent that pass the filter, over the alias `of`; pushes its parameters. */
  const matching = (of: string): string => {
    const conditions = [rows.belongs(of)];
    if (relation.filter && filterValue !== null) {
      conditions.push(`${of}.${rows.orderKey(relation.filter.key).column} = ?`);
      builder.params.push(filterValue);
    }
    return conditions.join(' and ');
  };
  const casts = order.map((key) => `?::${key.sqlType}`);
  // The keys of the order are read whatever is selected: the cursors are made of them.
  const orderKeys = relation.order.map((key) => key.key);
  const nodeType = node?.type ?? builder.ctx.walk.schema.getType(relation.target);
  if (!isObjectType(nodeType)) return undefined;
  const row = rowJson(builder, target, nodeType, node?.nodes ?? [], alias, parentAlias, path, orderKeys);
  /** The keyset condition over the order's columns of `of`; pushes its parameters (the caller pushes the limit after). */
  const keysetOf = (of: string): string => {
    if (!after) return 'true';
    const columns = relation.order.map((key) => `${of}.${rows.orderKey(key.key).column}`);
    builder.params.push(...after.map(String));
    return `(${columns.join(', ')}) ${relation.order[0].direction === 'desc' ? '<' : '>'} (${casts.join(', ')})`;
  };
  // A source of several SELECTs: each cut to the page before the union (without a filter, which the cut would have to apply too).
  const branches = rows.branches && !relation.filter ? rows.branches : undefined;
  const from = branches
    ? `(${branches
        .map((branch) => {
          const cut = `(select * from (${branch}) b where ${keysetOf('b')} order by ${relation.order.map((key) => `b.${rows.orderKey(key.key).column} ${key.direction}`).join(', ')} limit ?::int)`;
          builder.params.push(first + lookahead);
          return cut;
        })
        .join('\n union all\n')}) ${alias}`
    : rows.from(alias);
  const where = matching(alias);
  const keyset = keysetOf(alias);
  builder.params.push(first + lookahead);
  // The page as an array in the order its rows come out of the limit (ARRAY keeps its subquery's order),
  // so no aggregate sorts them again: json_agg(... order by ...) sorted each parent's page once more.
  const pageRows = `array_to_json(array(select ${row.sql} from ${from} where ${where} and ${keyset} order by ${orderBy} limit ?::int))`;
  const wantsCount = [...fieldsOn(builder.ctx.walk, field.type!, field.nodes).values()].some((selected) => selected.name === 'totalCount');
  const rowsOfPage = eachOf(row.decode);
  const decode: Decode = (value) => {
    const page = value as { rows: unknown[]; total?: unknown };
    return wantsCount ? { rows: rowsOfPage(page.rows), total: page.total } : { rows: rowsOfPage(page.rows) };
  };
  if (!wantsCount) return { sql: `json_build_object('rows', ${pageRows})`, decode };
  const countAlias = `r${++builder.aliases}`;
  return { sql: `json_build_object('rows', ${pageRows}, 'total', (select count(*) from ${rows.from(countAlias)} where ${matching(countAlias)}))`, decode };
}

/**
 * The join of the to-one relation `name` of `target` to its rows `alias`, aliased `<alias>_<name>`: what
 * the list's `orderSql` reads, and the relation's row when selected (relationSql takes it from the join).
 */
function joinOne(builder: Builder, target: ReadType, name: string, alias: string): string {
  const relation = target.relations?.[name];
  const joinedType = relation?.kind === 'one' ? builder.ctx.types.get(relation.target) : undefined;
  const fk = relation?.kind === 'one' ? shape(builder, target).foreignKeys.get(relation.via) : undefined;
  if (!joinedType || !fk) throw new Error(`read planner: ${name} is not a to-one relation to join`);
  const joined = `${alias}_${name}`;
  builder.joined.set(`${alias}.${name}`, joined);
  return ` left join "${shape(builder, joinedType).table}" ${joined} on ${joined}.id = ${alias}.${fk}`;
}

/** Where the rows of a to-many relation come from, how they belong to the parent, and their columns by row key. */
interface RelationRows {
  from(alias: string): string;
  /** The SELECTs whose union the rows are, when the source gave several. */
  branches?: readonly string[];
  belongs(alias: string): string;
  orderKey(key: string): { column: string; cursor: CursorValueType; sqlType: string };
}

function rowsOf(builder: Builder, target: ReadType, relation: Extract<Relation, { kind: 'many' | 'page' }>, parentAlias: string): RelationRows | undefined {
  if (relation.kind === 'page' && relation.source) {
    const produced = relation.source(parentAlias, builder.ctx.principal);
    const branches = typeof produced === 'string' ? [produced] : produced;
    const source = branches.join('\n union all\n');
    const types = new Map(relation.order.map((key) => [key.key, key.type ?? 'text']));
    return {
      from: (alias) => `(${source}) ${alias}`,
      branches: branches.length > 1 ? branches : undefined,
      belongs: () => 'true',
      orderKey: (key) => {
        const type = types.get(key) ?? 'text';
        return { column: snakeCase(key), cursor: type === 'timestamptz' ? 'timestamp' : type === 'int' ? 'number' : 'string', sqlType: type };
      },
    };
  }
  const table = shape(builder, target);
  const fk = table.foreignKeys.get(relation.via) ?? table.columns.get(relation.via)?.column;
  if (!fk) return undefined;
  return {
    from: (alias) => `"${table.table}" ${alias}`,
    belongs: (alias) => `${alias}.${fk} = ${parentAlias}.id`,
    orderKey: (key) => {
      const value = column(table, key);
      return { column: value.column, cursor: cursorType(value), sqlType: sqlType(value) };
    },
  };
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** json_build_array of the keys the selection reads of a row `alias` of `type` (sorted), then its planned relations (under PLANNED once decoded). */
function rowJson(
  builder: Builder,
  declaration: ReadType,
  type: GraphQLObjectType,
  nodes: readonly FieldNode[],
  alias: string,
  parentAlias: string | null,
  path: Visit['path'],
  extraKeys: readonly string[] = [],
): Planned {
  builder.visits.push({ type: type.name, path });
  const fields = fieldsOn(builder.ctx.walk, type, nodes);
  const relations = builder.ctx.nested ? plannedRelations(builder, type, fields, alias, path) : [];
  const keys = keysRead(builder.ctx.walk, declaration, fields, new Set(relations.map((relation) => relation.alias)));
  for (const key of extraKeys) keys.add(key);
  const sorted = [...keys].sort();
  const values = sorted.map((key) => {
    const computed = declaration.computed?.[key];
    return computed ? computed(alias, parentAlias) : valueSql(alias, column(shape(builder, declaration), key));
  });
  return { sql: `json_build_array(${[...values, ...relations.map((relation) => relation.sql)].join(', ')})`, decode: rowDecoder(sorted, relations) };
}

/**
 * The row keys a selection reads: declared reads, same-named keys, relation keys, and the whole row for
 * any other field. A relation planned with the row (its response key in `planned`) reads nothing of the
 * row: the resolver answers from the planned value. One that is not planned reads what its resolver
 * loads by: the foreign key of a to-one relation, the row's id (when it has one) for the others. A to-one relation with
 * `onlyWhen` reads its foreign key either way (its resolver loads the rows the condition left out).
 */
function keysRead(walk: Walk, declaration: ReadType, fields: Map<string, SelectedField>, planned: ReadonlySet<string>): Set<string> {
  const keys = new Set(declaration.always);
  for (const field of fields.values()) {
    if (field.name.startsWith('__')) continue;
    const relation = declaration.relations?.[field.name];
    if (relation) {
      if (relation.kind === 'one' && (relation.onlyWhen || !planned.has(field.alias))) keys.add(`${relation.via}Id`);
      else if (relation.kind !== 'one' && !planned.has(field.alias) && declaration.row.includes('id')) keys.add('id');
      continue;
    }
    const narrow = declaration.narrowReads?.[field.name];
    if (narrow && field.type && onlySelected(walk, field, narrow.only)) {
      for (const key of narrow.keys) keys.add(key);
      continue;
    }
    // A field the declaration does not know reads the whole row (its resolver may read any key).
    const reads = declaration.reads?.[field.name] ?? (declaration.row.includes(field.name) ? [field.name] : declaration.row);
    for (const key of reads) keys.add(key);
  }
  return keys;
}

/** True when nothing but `only` (and __typename) is selected below the object field `field`. */
function onlySelected(walk: Walk, field: SelectedField, only: readonly string[]): boolean {
  for (const below of fieldsOn(walk, field.type!, field.nodes).values()) {
    if (!below.name.startsWith('__') && !only.includes(below.name)) return false;
  }
  return true;
}

function shape(builder: Builder, declaration: ReadType): TableShape {
  if (!declaration.entity) throw new Error('read planner: a type without an entity has computed keys only');
  return tableShape(builder.ctx.metadata, declaration.entity);
}

function column(table: TableShape, key: string): RowColumn {
  const found = table.columns.get(key);
  if (!found) throw new Error(`read planner: ${table.table} has no column for row key ${key}`);
  return found;
}

/**
 * A column as JSON the way the loaders' rows carry it: bigint as text (exact cents), timestamps as the
 * text PostgreSQL gives the loaders (so cursors are the same whichever path read the row).
 */
function valueSql(alias: string, value: RowColumn): string {
  const column = `${alias}.${value.column}`;
  return value.columnType.startsWith('bigint') || value.columnType.startsWith('timestamp') ? `${column}::text` : column;
}

function cursorType(value: RowColumn): CursorValueType {
  return value.columnType.startsWith('timestamp') ? 'timestamp' : value.columnType.startsWith('int') ? 'number' : 'string';
}

function sqlType(value: RowColumn): string {
  if (value.columnType.startsWith('timestamp')) return 'timestamptz';
  if (value.columnType.startsWith('int')) return 'int';
  return 'text';
}
