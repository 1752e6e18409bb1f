import {
  defaultFieldResolver,
  GraphQLError,
  getNamedType,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionNode,
} from 'graphql';
import { Slot } from '../common/memo';
import type { Context } from '../context/context';

/**
 * The response-size limit. The cost limit bounds how many values an answer holds, not how large they
 * are: free text (an interaction body holds up to 100 KB) and JSON values (an export, an event payload)
 * are what makes an answer large (30 aliases of a customer's last 100 bodies answered 58 MB and took the
 * server from 198 to 418 MB). So every such value is counted as it is resolved, against the budget of
 * its execution; past it, the values still to come are withheld, and the answer becomes one
 * RESPONSE_TOO_LARGE error (HTTP and WebSocket alike). Memory stays near the limit.
 */
export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

interface Budget {
  bytes: number;
  exceeded: boolean;
  limit: number;
}

/** A slot of the execution's context (common/memo.ts). */
const budgets = new Slot<Context, Budget>('omni360.responseBudget');

/** The budget of the execution under `context`; undefined for a context without configuration (nothing to count against). */
function budgetOf(context: Context | undefined): Budget | undefined {
  if (!context?.config) return undefined;
  let budget = budgets.get(context);
  if (!budget) {
    budget = { bytes: 0, exceeded: false, limit: context.config.limits.maxResponseBytes };
    budgets.set(context, budget);
  }
  return budget;
}

export function responseTooLarge(maxBytes: number): GraphQLError {
  return new GraphQLError(`The answer would exceed ${maxBytes} bytes of text; ask for less (smaller pages, fewer aliases, fewer text fields).`, {
    extensions: { code: RESPONSE_TOO_LARGE, limit: maxBytes },
  });
}

/**
 * Size of a value as it will be written: the UTF-8 bytes of its JSON text (quotes and escapes
 * included: a body of control characters takes six bytes per character on the wire). Short ASCII-only
 * strings, the common case, are counted without serialising them.
 */
export function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length <= 64 && PLAIN.test(value) ? value.length + 2 : Buffer.byteLength(JSON.stringify(value));
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + sizeOf(item) + 1, 2);
  if (value === null || value === undefined) return 4;
  if (typeof value === 'object') return Buffer.byteLength(JSON.stringify(value) ?? '');
  return 8;
}

/** Printable ASCII without the two characters JSON escapes: written as they are. */
const PLAIN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Counts a text or JSON `value` against `budget`. Once it is spent, values resolve to an empty value of
 * their kind ("" for text, [] for lists, {} for JSON) rather than to an error each: thousands of field
 * errors cost more than the text they replace (19 s against 6 s for 30 aliases of 72 bodies). The
 * answer is then replaced by one RESPONSE_TOO_LARGE error (withheld), so nothing empty is ever shown
 * as if it were data.
 */
function chargeText(budget: Budget, value: unknown): unknown {
  if (!budget.exceeded) {
    budget.bytes += sizeOf(value);
    if (budget.bytes <= budget.limit) return value;
    budget.exceeded = true;
  }
  return emptyLike(value);
}

function emptyLike<T>(value: T): T {
  if (typeof value === 'string') return '' as T;
  if (Array.isArray(value)) return [] as T;
  if (value !== null && typeof value === 'object') return {} as T;
  return value;
}

/** True when the execution under `context` ran out of budget: its answer is replaced by the error. */
export function overBudget(context: Context | undefined): boolean {
  return context !== undefined && budgets.get(context)?.exceeded === true;
}

/** The bytes of text counted so far for the execution under `context`. */
export function textBytes(context: Context): number {
  return budgets.get(context)?.bytes ?? 0;
}

/** A fresh budget for the next execution under `context` (each event of a subscription is one answer). */
export function resetBudget(context: Context | undefined): void {
  if (context) budgets.clear(context);
}

/** The answer of a query that ran out of budget: no partial data, one coded error. */
export function tooLargeResult(context: Context): ExecutionResult {
  return { data: null, errors: [responseTooLarge(context.config.limits.maxResponseBytes)] };
}

/**
 * The answer of a mutation that ran out of budget: what it did stays (ids, userErrors), the withheld
 * text is empty, and one RESPONSE_TOO_LARGE error says so.
 */
export function withheldResult(context: Context, result: ExecutionResult): ExecutionResult {
  return { ...result, errors: [...(result.errors ?? []), responseTooLarge(context.config.limits.maxResponseBytes)] };
}

/** The scalars whose values have no bound of their own: text and JSON (ids, numbers, dates and enums are short). */
const UNBOUNDED_SCALARS: ReadonlySet<string> = new Set(['String', 'JSON']);

/**
 * Counts the value of every text and JSON field against the budget, whatever the field: personal text
 * (bodies, notes), and text that is not (webhook documents, product names, event payloads, exports),
 * lists of text included, on every transport and executor. Runs after the fast resolvers and before
 * the writer guards (schema.ts), so it counts what is actually returned, once, as masked.
 *
 * Each value is counted by the nearest field at or above it that runs code (has a resolver): that field
 * counts its own value and, for the selection below it, the text reached through plain fields (a
 * property of the value, no resolver), down to the next field that runs code. Every value of an answer
 * hangs below a root field, which runs code, so each is counted once. Plain text fields keep no
 * resolver of their own: graphql-jit reads them inline, where a resolver costs it a deferred call with
 * a resolve-info object per value (two per line of a list page, for the product's sku and name).
 */
export function chargeTextFields(schema: GraphQLSchema): void {
  const holdsText = textReach(schema);
  // A root field runs code even without a resolver of its own (a subscription's field answers its event):
  // everything below it is counted from there.
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? (roots.has(type) ? defaultFieldResolver : undefined);
      if (!resolve || !holdsText(getNamedType(field.type))) continue;
      const returned = field.type;
      countsItself.add(field);
      field.resolve = (root, args, context: Context, info) => {
        const value = resolve(root, args, context, info);
        if (!context?.config) return value; // nothing to count against (a resolver called on its own)
        const charge = chargerAt(info, returned);
        const budget = charge && budgetOf(context);
        if (!budget) return value;
        return value instanceof Promise ? value.then((resolved) => charge(budget, resolved)) : charge(budget, value);
      };
    }
  }
}

/**
 * The fields that count their own value (chargeTextFields), fixed when the budget is bound, whatever is
 * bound around them later (the writer guards, which the compiled executor takes off for readers:
 * role-policy.ts). Every other field is plain (its value a property of its parent's, counted by the
 * field above that runs code) or runs code that reaches no text through plain fields (nothing to count).
 */
const countsItself = new WeakSet<GraphQLField<unknown, Context>>();

/**
 * Counts `value` (a field's value for `selection`) and returns it, or, once the budget is spent, a copy
 * with the text still to come emptied (what a mutation's answer keeps: withheldResult).
 */
type Charger = (budget: Budget, value: unknown) => unknown;

/** Chargers by the field nodes of a field in a document: graphql-jit and graphql-js pass the same array for every value of one field. */
const chargers = new WeakMap<readonly FieldNode[], Charger | null>();

function chargerAt(info: GraphQLResolveInfo, type: GraphQLOutputType): Charger | null {
  let charger = chargers.get(info.fieldNodes);
  if (charger === undefined) {
    charger = chargerOf(info.schema, type, info.fieldNodes, info.fragments);
    chargers.set(info.fieldNodes, charger);
  }
  return charger;
}

/** What counts a value of `type` selected by `nodes`: null when the selection reaches no text through plain fields. */
function chargerOf(
  schema: GraphQLSchema,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): Charger | null {
  if (isNonNullType(type)) return chargerOf(schema, type.ofType, nodes, fragments);
  if (isListType(type)) {
    // A list of text is one value, counted whole (its brackets and commas too).
    const named = getNamedType(type);
    if (isLeafType(named)) return UNBOUNDED_SCALARS.has(named.name) ? chargeText : null;
    const item = chargerOf(schema, type.ofType, nodes, fragments);
    if (!item) return null;
    return (budget, value) => {
      if (!Array.isArray(value)) return value;
      let copy: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const charged = item(budget, value[index]);
        if (charged !== value[index]) (copy ??= value.slice())[index] = charged;
      }
      return copy ?? value;
    };
  }
  if (isLeafType(type)) return UNBOUNDED_SCALARS.has(type.name) ? chargeText : null;
  if (isAbstractType(type)) {
    const byType = new Map<string, Charger>();
    for (const possible of schema.getPossibleTypes(type)) {
      const charger = chargerOf(schema, possible, nodes, fragments);
      if (charger) byType.set(possible.name, charger);
    }
    if (!byType.size) return null;
    return (budget, value) => {
      if (value === null || typeof value !== 'object') return value;
      const charger = byType.get(concreteType(schema, type, value) ?? '');
      return charger ? charger(budget, value) : value;
    };
  }
  const plain: { name: string; charge: Charger }[] = [];
  for (const [name, fieldNodes] of selectedFields(schema, type, nodes, fragments)) {
    const field = type.getFields()[name];
    if (!field || countsItself.has(field)) continue;
    const charge = chargerOf(schema, field.type, fieldNodes, fragments);
    if (charge) plain.push({ name, charge });
  }
  if (!plain.length) return null;
  return (budget, value) => {
    if (value === null || typeof value !== 'object') return value;
    let copy: Record<string, unknown> | undefined;
    for (const { name, charge } of plain) {
      const own = (value as Record<string, unknown>)[name];
      const charged = charge(budget, own);
      if (charged !== own) (copy ??= { ...(value as Record<string, unknown>) })[name] = charged;
    }
    return copy ?? value;
  };
}

/**
 * The fields of `type` that `nodes` select, by field name, one entry per response key (an alias is
 * answered, and counted, once more), fragments included where they apply to `type`. @skip and
 * @include are not evaluated: a field they leave out is counted all the same (too much, never too little).
 */
function selectedFields(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  nodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): [string, FieldNode[]][] {
  const byKey = new Map<string, { name: string; nodes: FieldNode[] }>();
  const visited = new Set<string>();
  const collect = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const entry = byKey.get(key);
        if (entry) entry.nodes.push(selection);
        else byKey.set(key, { name: selection.name.value, nodes: [selection] });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(schema, type, selection.typeCondition?.name.value)) collect(selection.selectionSet.selections);
      } else {
        const fragment = fragments[selection.name.value];
        if (!fragment || visited.has(fragment.name.value)) continue;
        visited.add(fragment.name.value);
        if (applies(schema, type, fragment.typeCondition.name.value)) collect(fragment.selectionSet.selections);
      }
    }
  };
  for (const node of nodes) if (node.selectionSet) collect(node.selectionSet.selections);
  return [...byKey.values()].map((entry) => [entry.name, entry.nodes]);
}

/** True when a fragment on `condition` (none: the enclosing type) applies to objects of `type`. */
function applies(schema: GraphQLSchema, type: GraphQLObjectType, condition: string | undefined): boolean {
  if (!condition || condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}

/** The object type of `value` returned where `type` (an interface or union) is expected. */
function concreteType(schema: GraphQLSchema, type: GraphQLAbstractType, value: object): string | undefined {
  const resolved = type.resolveType?.(value, undefined, undefined as never, type);
  if (typeof resolved === 'string') return resolved;
  // An asynchronous or missing resolveType: the first possible type that claims the value.
  return schema.getPossibleTypes(type).find((possible) => possible.isTypeOf?.(value, undefined, undefined as never) === true)?.name;
}

/**
 * The named types whose values may hold text through plain fields: a text scalar, or an object (or
 * any type of an interface or union) with a plain field to one. A field that runs code and returns
 * none of them has nothing to count. Grown to a fixed point, so types that refer to each other through
 * plain fields reach what either reaches, in whatever order they are met.
 */
function textReach(schema: GraphQLSchema): (type: GraphQLNamedType) => boolean {
  const types = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));
  const reaching = new Set<string>(types.filter((type) => isLeafType(type) && UNBOUNDED_SCALARS.has(type.name)).map((type) => type.name));
  const reaches = (type: GraphQLNamedType): boolean => {
    if (isAbstractType(type)) return schema.getPossibleTypes(type).some((possible) => reaching.has(possible.name));
    if (isObjectType(type)) return Object.values(type.getFields()).some((field) => !field.resolve && reaching.has(getNamedType(field.type).name));
    return false;
  };
  for (let grown = true; grown;) {
    grown = false;
    for (const type of types) {
      if (reaching.has(type.name) || !reaches(type)) continue;
      reaching.add(type.name);
      grown = true;
    }
  }
  return (type) => reaching.has(type.name);
}
