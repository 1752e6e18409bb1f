import {
  defaultFieldResolver,
  GraphQLError,
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
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
}

/** A slot of the execution's context (common/memo.ts). */
const budgets = new Slot<Context, Budget>('omni360.responseBudget');

function budgetOf(context: Context): Budget {
  let budget = budgets.get(context);
  if (!budget) {
    budget = { bytes: 0, exceeded: false };
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
 * Counts `value` against the execution's budget. Once it is spent, values resolve to an empty value of
 * their kind ("" for text, [] for lists, {} for JSON) rather than to an error each: thousands of field
 * errors cost more than the text they replace (19 s against 6 s for 30 aliases of 72 bodies). The
 * answer is then replaced by one RESPONSE_TOO_LARGE error (withheld), so nothing empty is ever shown
 * as if it were data.
 */
export function chargeResponse<T>(context: Context | undefined, value: T): T {
  if (!context?.config) return value;
  const budget = budgetOf(context);
  if (!budget.exceeded) {
    budget.bytes += sizeOf(value);
    if (budget.bytes <= context.config.limits.maxResponseBytes) return value;
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
 * lists of text included, on every transport and executor. Runs last over the bound resolvers (after
 * the fast resolvers and the writer guards), so it counts what is actually returned, once, as masked.
 *
 * A resolver on a field costs the compiled executor a deferred call per value (graphql-jit inlines only
 * fields without one): small value types (leafTypes: Money, PageInfo) are therefore counted whole where
 * they are returned, every text field of the object whether selected or not (a few bytes too many, never
 * too few), and their own fields stay resolver-free.
 */
export function chargeTextFields(schema: GraphQLSchema): void {
  const small = leafTypes(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || small.has(type.name)) continue;
    for (const field of Object.values(type.getFields())) {
      const returned = getNamedType(field.type).name;
      const textFields = small.get(returned);
      if (!UNBOUNDED_SCALARS.has(returned) && !textFields) continue;
      const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
      const charge = textFields ? (context: Context, value: unknown) => chargeObjects(context, value, textFields) : chargeResponse;
      field.resolve = (root, args, context, info) => {
        const value = resolve(root, args, context, info);
        return value instanceof Promise ? value.then((resolved) => charge(context, resolved)) : charge(context, value);
      };
    }
  }
}

/**
 * Object types made of leaf fields only, each resolved as a plain property, with at least one text
 * field, and never returned through an interface or a union: their text fields by type name. They are
 * counted where they are returned (chargeTextFields).
 */
export function leafTypes(schema: GraphQLSchema): Map<string, string[]> {
  // A type that an interface or a union may stand for (node(id)) is returned where no field names it.
  const abstractMembers = new Set(
    Object.values(schema.getTypeMap())
      .filter(isAbstractType)
      .flatMap((type) => schema.getPossibleTypes(type).map((possible) => possible.name)),
  );
  const small = new Map<string, string[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || abstractMembers.has(type.name)) continue;
    const fields = Object.values(type.getFields());
    if (!fields.every((field) => isLeafType(getNamedType(field.type)) && !field.resolve && field.args.length === 0)) continue;
    const text = fields.filter((field) => UNBOUNDED_SCALARS.has(getNamedType(field.type).name)).map((field) => field.name);
    if (text.length > 0) small.set(type.name, text);
  }
  return small;
}

/** Counts the text fields of a small object (or a list of them); they are small, so kept whole. */
function chargeObjects<T>(context: Context | undefined, value: T, textFields: readonly string[]): T {
  if (!context?.config || value === null || value === undefined) return value;
  const budget = budgetOf(context);
  if (budget.exceeded) return value;
  const objects = Array.isArray(value) ? value : [value];
  for (const object of objects) {
    if (object === null || typeof object !== 'object') continue;
    for (const name of textFields) budget.bytes += sizeOf((object as Record<string, unknown>)[name]) + name.length + 4;
  }
  if (budget.bytes > context.config.limits.maxResponseBytes) budget.exceeded = true;
  return value;
}
