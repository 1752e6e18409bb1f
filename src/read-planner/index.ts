import DataLoader from 'dataloader';
import { getNamedType, isObjectType, visit as visitAst, type ASTNode, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import type { ListColumn, RowFinder } from '../common/finder';
import { cutPage, edgeWithNode, type Connection, type KeysetPage } from '../common/pagination';
import { Slot } from '../common/memo';
import type { Context } from '../context/context';
import { queryPrepared, textArray } from '../database/sql';
import { compileField, compileRelations, compileRow, PLANNED, type CompiledPlan, type Visit } from './compile';
import { tableShape } from './metadata';
import { readTypes } from './read-types';
import { asksNextPage, descend, ownField, walkOf } from './selection';

import type { Planned } from './planned';

export type { PlannedValues, ReadContribution } from './declarations';
export { plannedKeys, type Planned } from './planned';
export { installReadGraph, readGraphWith } from './read-types';

/**
 * The read planner's one seam. A root resolver hands it the rows its service found (a search, a page, a
 * row by id) and the resolver's `info`; the planner reads, in ONE statement for all of them, every
 * relation and nested connection the selection asks for that the read graph declares (read-types.ts, with
 * what the modules contribute: `readGraphWith`), only the keys the selection reads, page sizes and
 * cursors as parameters of a prepared statement, and hangs the result on copies of the rows. Field resolvers take their planned value first (`plannedOne`, `relationPage`,
 * `relationList`); a declared relation below a row the planner did not read is planned then, for every
 * parent of that response path at once. The resolvers, their role checks and their masking run on
 * planned rows exactly as on loaded ones, so every path keeps the same rules.
 */

type CarriesPlanned = { [PLANNED]?: Record<string, unknown> };

/**
 * The plan of the relations below the rows the field of `info` returns at `path`, or undefined when none
 * is plannable; `column` names the column a list statement carries them in (plannedColumn), one name per
 * plan, so that a row read for one plan (and primed into a loader) is never decoded with another.
 */
function relationsPlan(ctx: Context, info: GraphQLResolveInfo, path: readonly string[]): RelationsPlan | undefined {
  if (!ctx.config.readPlanner) return undefined;
  const returned = getNamedType(info.returnType);
  if (!isObjectType(returned)) return undefined;
  return cachedPlan(ctx, info, `relations:${path.join('.')}`, false, () => {
    const walk = walkOf(info);
    const target = descend(walk, returned, info.fieldNodes, path);
    if (!target || !readTypes().get(target.type.name)?.entity) return undefined;
    const plan = compileRelations(
      { walk, metadata: ctx.em.getMetadata(), types: readTypes(), nested: true, principal: ctx.principal },
      target.type,
      target.nodes,
    );
    if (!plan.relationsSql) return undefined;
    return { typeName: target.type.name, plan, column: `$relations${++relationsColumns}`, nextPage: asksNextPage(walk, returned, info.fieldNodes) };
  });
}

interface RelationsPlan {
  typeName: string;
  plan: CompiledPlan;
  column: string;
  /** Whether the field of `info` (a connection, for plannedColumn) reads pageInfo.hasNextPage. */
  nextPage: boolean;
}

let relationsColumns = 0;

/**
 * The planned relations below the nodes of the root connection of `info` as a column of the list's own
 * statement (ListColumn): the list and everything the selection asks below its rows in ONE statement.
 * The planner's SQL reads its row as `t`, so the column reads the list's row through `(select <alias>.*) t`
 * (no table access; the list's alias is the service's, whatever its own subqueries call their tables).
 * Undefined when nothing below the nodes is planned: the rows are then planned, if at all, by
 * withPlannedConnection.
 */
export function plannedColumn(ctx: Context, info: GraphQLResolveInfo): ListColumn | undefined {
  const found = relationsPlan(ctx, info, ['edges', 'node']);
  if (!found) return undefined;
  const column = (alias: string) => ({
    select: `, (select ${found.plan.relationsSql} from (select ${alias}.*) t) as "${found.column}"`,
    params: found.plan.params,
  });
  return Object.assign(column, { nextPage: found.nextPage });
}

/**
 * Copies of `rows` (rows of the type the field of `info` returns at `path` below it: e.g. ['edges',
 * 'node'] for a connection) with their planned relations; the rows themselves when there is nothing to
 * plan, or planning is off. Rows a list statement read with plannedColumn carry them already, to decode.
 */
async function withPlannedRelations<R extends { id: string }>(
  ctx: Context,
  info: GraphQLResolveInfo,
  rows: readonly R[],
  path: readonly string[] = [],
): Promise<R[]> {
  // Rows the planner read itself (plannedFinder) carry their relations already.
  if (!ctx.config.readPlanner || rows.length === 0 || rows.every((row) => PLANNED in (row as object))) return [...rows];
  const found = relationsPlan(ctx, info, path);
  if (!found) return [...rows];
  const carried = rows.every((row) => found.column in row);
  const planned = carried
    ? carriedRelations(ctx, found, rows)
    : await readPlanned(
        ctx,
        found.typeName,
        found.plan,
        rows.map((row) => row.id),
      );
  const prime = readTypes().get(found.typeName)?.prime;
  return rows.map((row, index) => {
    const { $row: own, ...relations } = planned[index] ?? {};
    const copy = plannedCopy(row, carried ? found.column : undefined, own as Record<string, unknown> | undefined, relations);
    if (own && prime) prime(ctx, copy);
    return copy;
  });
}

/**
 * A copy of `row` (without its key `omit`) with the keys of `own` and its planned relations, written
 * key by key into a new object. Not `{ ...row, ...own, [PLANNED]: relations }`: on Node 20 (V8 11.3) a
 * key added to an object spread is ~15 times slower than to a plain one, and what such objects reference
 * outlives young collections (the product list's rows were most of what each scavenge promoted; Node
 * CPU per request of (j) at 32 connections 0.75-0.76 -> 0.67-0.68 ms with this copy, alternated; Node
 * 22 has neither cost).
 */
function plannedCopy<R extends object>(row: R, omit: string | undefined, own: Record<string, unknown> | undefined, relations: unknown): R {
  const copy: Record<string | symbol, unknown> = {};
  for (const key in row) if (key !== omit) copy[key] = row[key];
  if (own) for (const key in own) copy[key] = own[key];
  copy[PLANNED] = relations;
  return copy as R;
}

/** The planned relations a list statement read beside its rows (plannedColumn); the prime hooks of the rows below have run. */
function carriedRelations(ctx: Context, { plan, column }: RelationsPlan, rows: readonly object[]): (Record<string, unknown> | undefined)[] {
  const planned = rows.map((row) => plan.decode((row as Record<string, unknown>)[column]) as Record<string, unknown>);
  primePlanned(
    ctx,
    planned.map((relations) => ({ [PLANNED]: relations })),
    plan.visits,
  );
  return planned;
}

/**
 * ONE statement: the planned relations of the rows `ids` of `typeName`, in the order of `ids`; the
 * prime hooks of the rows it read have run.
 */
async function readPlanned(ctx: Context, typeName: string, plan: CompiledPlan, ids: readonly string[]): Promise<(Record<string, unknown> | undefined)[]> {
  const table = tableShape(ctx.em.getMetadata(), readTypes().get(typeName)!.entity!).table;
  const rows = await queryPrepared<{ i: string; p: Record<string, unknown> }>(
    ctx.em,
    `select k.n as i, ${plan.relationsSql} as p
       from unnest(?::text[]) with ordinality as k(id, n) join "${table}" t on t.id = k.id`,
    [...plan.params, textArray(ids)],
  );
  const byIndex = new Map(rows.map((row) => [Number(row.i) - 1, plan.decode(row.p) as Record<string, unknown>]));
  const planned = ids.map((_, index) => byIndex.get(index));
  primePlanned(
    ctx,
    planned.map((relations) => ({ [PLANNED]: relations })),
    plan.visits,
  );
  return planned;
}

/**
 * A finder that reads the row the field of `info` returns through the type's declared lookup `lookup`
 * (ReadType.lookups): the row's keys the selection reads and everything selected below it, in ONE
 * statement. Undefined when the planner is off or the type declares no such lookup: the service then
 * reads the row its own way (and withPlannedRow plans below it).
 */
export function plannedFinder<R, K extends keyof R>(ctx: Context, info: GraphQLResolveInfo, lookup: string): RowFinder<Planned<R, K>> | undefined {
  if (!ctx.config.readPlanner) return undefined;
  const returned = getNamedType(info.returnType);
  const declaration = isObjectType(returned) ? readTypes().get(returned.name) : undefined;
  const condition = declaration?.lookups?.[lookup];
  if (!isObjectType(returned) || !declaration?.entity || !condition) return undefined;
  return async (key) => {
    const plan = cachedPlan(ctx, info, `row:${lookup}`, false, () => {
      const row = compileRow(
        { walk: walkOf(info), metadata: ctx.em.getMetadata(), types: readTypes(), nested: true, principal: ctx.principal },
        returned,
        declaration,
        info.fieldNodes,
      );
      const table = tableShape(ctx.em.getMetadata(), declaration.entity!).table;
      const stands = declaration.standsFor;
      // A row that stands for another reads nothing below it (CASE evaluates one branch), only that row's key.
      const select = stands
        ? `case when ${stands.when('t')} then null else ${row.rowSql} end as r, case when ${stands.when('t')} then ${stands.key('t')} end as "standsFor"`
        : `${row.rowSql} as r`;
      return { sql: `select ${select} from "${table}" t where ${condition('t', '?')}`, decode: row.decode, params: row.params, visits: row.visits };
    });
    let found: { r: unknown; standsFor?: string | null } | undefined;
    // The row a key stands for is read by the same lookup; a merge committed in between moves it once more.
    for (let next: string | null = key, hops = 0; next !== null && hops < 4; hops++) {
      [found] = await queryPrepared<{ r: unknown; standsFor?: string | null }>(ctx.em, plan.sql, [...plan.params, next]);
      if (found?.r != null) break;
      next = found?.standsFor ?? null;
    }
    if (found?.r == null) return null;
    const row = plan.decode(found.r) as Planned<R, K> & CarriesPlanned;
    // Marks the row as planned even when nothing below it was (withPlannedRow then leaves it alone).
    row[PLANNED] ??= {};
    primePlanned(ctx, [row], plan.visits);
    return row;
  };
}

/**
 * Compiled plans by the field's AST node. A document's text is parsed once and its nodes kept
 * (the one preparer, operation-preparation.ts), so a repeated operation finds its plan instead of walking its selection and
 * building the SQL text again. What else a plan depends on is the key: the role (what a relation's
 * source may read: the timeline's), whether nested relations are planned, and the values of the
 * variables the planned selection uses (a root's own arguments, e.g. the id of customer(id), are not
 * part of the plan; a planned field's own arguments are, with `withArguments`).
 */
const plans = new WeakMap<FieldNode, Map<string, unknown>>();
const PLANS_PER_FIELD = 64;

function cachedPlan<P>(ctx: Context, info: GraphQLResolveInfo, kind: string, withArguments: boolean, compile: () => P): P {
  const node = info.fieldNodes[0];
  let byKey = plans.get(node);
  if (!byKey) {
    byKey = new Map();
    plans.set(node, byKey);
  }
  const used = variablesUsed(info, withArguments);
  const values = used.length ? JSON.stringify(used.map((name) => info.variableValues[name] ?? null)) : '';
  const key = `${kind}|${ctx.config.readPlanner}|${ctx.principal?.role ?? ''}|${values}`;
  if (byKey.has(key)) return byKey.get(key) as P;
  const plan = compile();
  if (byKey.size >= PLANS_PER_FIELD) byKey.delete(byKey.keys().next().value!);
  byKey.set(key, plan);
  return plan;
}

const variableNames = new WeakMap<FieldNode, { below: string[]; all: string[] }>();

/** The names of the variables the field's nodes use below them (and in their own arguments and directives, with `withArguments`). */
function variablesUsed(info: GraphQLResolveInfo, withArguments: boolean): string[] {
  const node = info.fieldNodes[0];
  let names = variableNames.get(node);
  if (!names) {
    const below = variablesIn(
      info,
      info.fieldNodes.flatMap((field) => (field.selectionSet ? [field.selectionSet] : [])),
    );
    const own = variablesIn(
      info,
      info.fieldNodes.flatMap((field) => [...(field.arguments ?? []), ...(field.directives ?? [])]),
    );
    names = { below, all: [...new Set([...below, ...own])].sort() };
    variableNames.set(node, names);
  }
  return withArguments ? names.all : names.below;
}

/** The variables `roots` use, through the fragments they spread, sorted. */
function variablesIn(info: GraphQLResolveInfo, roots: readonly ASTNode[]): string[] {
  const names = new Set<string>();
  const spread = new Set<string>();
  const walk = (root: ASTNode): void => {
    visitAst(root, {
      Variable: (variable) => {
        names.add(variable.name.value);
      },
      FragmentSpread: (fragmentSpread) => {
        const name = fragmentSpread.name.value;
        if (spread.has(name) || !info.fragments[name]) return;
        spread.add(name);
        walk(info.fragments[name]);
      },
    });
  };
  for (const root of roots) walk(root);
  return [...names].sort();
}

type FieldLoader = DataLoader<string, unknown, string>;

/** Per request: a loader per relation field of the document (its AST node) and parent type (a slot of the context: common/memo.ts). */
const fieldLoaders = new Slot<Context, Map<FieldNode, Map<string, FieldLoader>>>('omni360.fieldLoaders');

/**
 * The value of a declared relation resolved below a row the planner did not read (a customer reached
 * through node(id), a payload's order): one statement for the field on every parent of the same
 * response path in the same tick, with everything the selection asks below it. Undefined when the
 * relation is not declared.
 */
function planField(ctx: Context, info: GraphQLResolveInfo, parentId: string): Promise<unknown> | undefined {
  const parentType = readTypes().get(info.parentType.name);
  if (!parentType?.entity || !parentType.relations?.[info.fieldName]) return undefined;
  let byNode = fieldLoaders.get(ctx);
  if (!byNode) {
    byNode = new Map();
    fieldLoaders.set(ctx, byNode);
  }
  const node = info.fieldNodes[0];
  let byType = byNode.get(node);
  if (!byType) {
    byType = new Map();
    byNode.set(node, byType);
  }
  let loader = byType.get(info.parentType.name);
  if (!loader) {
    const typeName = info.parentType.name;
    const { alias, plan } = cachedPlan(ctx, info, `field:${typeName}`, true, () => {
      const field = ownField(info);
      const compiled = compileField(
        { walk: walkOf(info), metadata: ctx.em.getMetadata(), types: readTypes(), nested: ctx.config.readPlanner, principal: ctx.principal },
        info.parentType,
        field,
      );
      return { alias: field.alias, plan: compiled };
    });
    loader = new DataLoader<string, unknown, string>(async (ids) => (await readPlanned(ctx, typeName, plan, ids)).map((relations) => relations?.[alias]));
    byType.set(info.parentType.name, loader);
  }
  return loader.load(parentId);
}

/**
 * A declared page relation (a connection below a row), planned with the row or read now for every
 * parent at once: `first` rows and whether more follow, with the count when the selection asks for it.
 */
export async function relationPage<T, K extends keyof T = never>(
  ctx: Context,
  parent: { id: string },
  info: GraphQLResolveInfo,
  first: number,
): Promise<{ page: KeysetPage<Planned<T, K>>; total: number | undefined }> {
  const planned = plannedPage<Planned<T, K>>(parent, info, first);
  if (planned) return planned;
  const value = (await planField(ctx, info, parent.id)) as PageValue<Planned<T, K>> | undefined;
  if (!value) throw new Error(`read planner: ${info.parentType.name}.${info.fieldName} is not a declared page relation`);
  return pageOf(value, first);
}

/** A declared to-many relation, planned with the row or read now for every parent at once. */
export async function relationList<T, K extends keyof T = never>(ctx: Context, parent: { id: string }, info: GraphQLResolveInfo): Promise<Planned<T, K>[]> {
  const planned = plannedList<T, K>(parent, info);
  if (planned) return planned;
  const value = await planField(ctx, info, parent.id);
  if (!Array.isArray(value)) throw new Error(`read planner: ${info.parentType.name}.${info.fieldName} is not a declared list relation`);
  return value as Planned<T, K>[];
}

interface PageValue<T> {
  rows: T[];
  total?: number | string;
}

function pageOf<T>(value: PageValue<T>, first: number): { page: KeysetPage<T>; total: number | undefined } {
  return { page: cutPage(value.rows, first), total: value.total === undefined ? undefined : Number(value.total) };
}

/** The planned value of the field being resolved on `parent`, or undefined when it was not planned. */
function plannedValue(parent: unknown, info: GraphQLResolveInfo): unknown {
  return (parent as CarriesPlanned | null)?.[PLANNED]?.[String(info.path.key)];
}

/**
 * A planned to-one value: the row, or null for a null key. Undefined (resolve it yourself, by the foreign
 * key, which the planner then read) when not planned. For a relation with `onlyWhen`, pass the foreign
 * key (such a relation always reads it): undefined too when the key is set but the condition left the
 * row out (a customer merged away, whose survivor the resolver's loader finds through the merge chain).
 * A planned relation without `onlyWhen` reads no key of its row: its resolver looks at the key only
 * when this returns undefined.
 */
export function plannedOne<T, K extends keyof T = never>(parent: unknown, info: GraphQLResolveInfo, key?: string | null): Planned<T, K> | null | undefined {
  const value = plannedValue(parent, info);
  if (value === undefined || (value === null && key)) return undefined;
  return value as Planned<T, K> | null;
}

/** A planned list (every row of a to-many relation), or undefined. */
export function plannedList<T, K extends keyof T = never>(parent: unknown, info: GraphQLResolveInfo): Planned<T, K>[] | undefined {
  const value = plannedValue(parent, info);
  return Array.isArray(value) ? (value as Planned<T, K>[]) : undefined;
}

/** A planned page of `first` rows (read with one more, for hasNextPage) and its count when selected, or undefined. */
function plannedPage<T>(parent: unknown, info: GraphQLResolveInfo, first: number): { page: KeysetPage<T>; total: number | undefined } | undefined {
  const value = plannedValue(parent, info) as PageValue<T> | undefined;
  return value && Array.isArray(value.rows) ? pageOf(value, first) : undefined;
}

/** Runs each planned type's `prime` hook on its planned rows (a customer's identities into their loader). */
function primePlanned(ctx: Context, roots: CarriesPlanned[], visits: readonly Visit[]): void {
  for (const visit of visits) {
    const prime = readTypes().get(visit.type)?.prime;
    if (!prime) continue;
    for (const row of rowsAt(roots, visit.path)) prime(ctx, row);
  }
}

function rowsAt(rows: CarriesPlanned[], path: Visit['path']): Record<string, unknown>[] {
  let current: unknown[] = rows;
  for (const step of path) {
    const next: unknown[] = [];
    for (const row of current) {
      const value = (row as CarriesPlanned | null)?.[PLANNED]?.[step.alias];
      if (value === null || value === undefined) continue;
      if (step.kind === 'one' || step.kind === 'inline') next.push(value);
      else if (step.kind === 'many') next.push(...(value as unknown[]));
      else next.push(...(value as { rows: unknown[] }).rows);
    }
    current = next;
  }
  return current as Record<string, unknown>[];
}

/** A root connection with its nodes' relations planned (see withPlannedRelations). */
export async function withPlannedConnection<R extends { id: string }>(
  ctx: Context,
  info: GraphQLResolveInfo,
  connection: Connection<R>,
): Promise<Connection<R>> {
  const nodes = await withPlannedRelations(
    ctx,
    info,
    connection.edges.map((edge) => edge.node),
    ['edges', 'node'],
  );
  return { ...connection, edges: connection.edges.map((edge, index) => edgeWithNode(edge, nodes[index])) };
}

/** A root row (or null) with its relations planned. */
export async function withPlannedRow<R extends { id: string }>(ctx: Context, info: GraphQLResolveInfo, row: R | null): Promise<R | null> {
  return row ? (await withPlannedRelations(ctx, info, [row]))[0] : null;
}
