import {
  GraphQLError, Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode,
  type SelectionSetNode, type ValueNode,
} from 'graphql';

/** Limits every document must respect, on HTTP and on WebSocket alike. */
export interface QueryLimits {
  /** Nesting of fields, e.g. customer.orders.edges.node.lines.product is 6. */
  maxDepth: number;
  /** Estimated rows touched: each field costs 1 times the product of the page sizes above it. */
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens of the document, enforced by the parser itself. */
  maxTokens: number;
  /**
   * Fields in one selection set once its fragments are expanded. graphql-js's validation compares the
   * fields of a set pairwise (OverlappingFieldsCanBeMerged): 1,200 `viewer { role }` in one set, well
   * under the token limit, blocked the event loop for 2 s before any other limit was looked at.
   */
  maxBreadth: number;
  /** Bytes of free text and JSON values in one answer (response-budget.ts): RESPONSE_TOO_LARGE past it. */
  maxResponseBytes: number;
  /** Each HTTP answer says what it counted against maxResponseBytes (`extensions.textBytes`): to size the limit. */
  reportTextBytes: boolean;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 15,
  maxCost: 250_000,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 5_000,
  maxBreadth: 200,
  maxResponseBytes: 8 * 1024 * 1024,
  reportTextBytes: false,
};

/** Lists without a `first` argument (order lines, identities, consents) are assumed this long. */
const UNPAGED_LIST_FACTOR = 10;
const DEFAULT_FIRST = 20;

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
}

function intValue(node: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (!node) return undefined;
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return typeof value === 'number' ? value : undefined;
  }
  return undefined;
}

/** Field names whose results are lists without a page size (multiplied by UNPAGED_LIST_FACTOR). */
const UNPAGED_LISTS = new Set(['lines', 'identities', 'consents', 'byLocation', 'handovers', 'mergedFrom', 'offers', 'offersFor', 'channels',
  'ordersByChannel', 'interactionsByChannel', 'revenueByChannel', 'crossChannelJourneys', 'duplicateCandidates', 'locations', 'reasons', 'segments']);

/**
 * Leaf fields whose values are free text or JSON cost more than one value: an interaction body holds up
 * to 100 KB, so 30 aliases of 100 bodies are refused before execution rather than read (and cut by the
 * response budget, response-budget.ts, afterwards).
 */
const TEXT_FIELD_COST = new Map([['body', 100], ['note', 10], ['subject', 5], ['reason', 5], ['payload', 10], ['customerDataExport', 1_000]]);

interface Walk {
  cost: number;
  depth: number;
  aliases: number;
  directives: number;
}

/**
 * What a selection set adds per unit of the page-size multiplier it is reached with (cost scales with
 * the multiplier), depth relative to where the set starts, aliases and directives counted per use.
 */
type Summary = Walk;

const EMPTY: Summary = { cost: 0, depth: 0, aliases: 0, directives: 0 };

/**
 * Measures one operation with its variables: depth, aliases, directives and the estimated cost, where
 * a connection's children cost `first` times (20 when not given) and unpaged lists 10 times.
 *
 * Time is linear in the document's size: a fragment's summary is computed once and reused at every
 * spread (its cost is linear in the multiplier it is reached with, so it is scaled, not re-walked).
 * `f1{...f0 ...f0} … f21{...f20 ...f20}` is 22 walks of a selection set, not 2^21. A variable without
 * a value counts with its default (`$n: Int = 100`), as execution will use it.
 */
export function measureOperation(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> = {}): Walk {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName ? operations.find((op) => op.name?.value === operationName) : operations[0];
  if (!operation) return { ...EMPTY };
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (variables[name] !== undefined) values[name] = variables[name];
    else if (definition.defaultValue?.kind === Kind.INT) values[name] = Number(definition.defaultValue.value);
  }

  const summaries = new Map<string, Summary>();
  const inProgress = new Set<string>();
  const fragmentSummary = (name: string): Summary => {
    const known = summaries.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // An unknown fragment or one that spreads itself: invalid GraphQL, refused by validation; never loop on it.
    if (!fragment || inProgress.has(name)) return EMPTY;
    inProgress.add(name);
    const summary = summarise(fragment.selectionSet);
    inProgress.delete(name);
    summaries.set(name, summary);
    return summary;
  };
  const summarise = (selectionSet: SelectionSetNode): Summary => {
    const total = { ...EMPTY };
    for (const selection of selectionSet.selections) {
      total.directives += selection.directives?.length ?? 0;
      let part: Summary;
      if (selection.kind === Kind.FIELD) part = fieldSummary(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) part = summarise(selection.selectionSet);
      else part = fragmentSummary(selection.name.value);
      total.cost += part.cost;
      total.depth = Math.max(total.depth, part.depth);
      total.aliases += part.aliases;
      total.directives += part.directives;
    }
    return total;
  };
  const fieldSummary = (field: FieldNode): Summary => {
    const aliases = field.alias ? 1 : 0;
    // Introspection and __typename are answered from the schema: no rows, no depth.
    if (field.name.value.startsWith('__')) return { ...EMPTY, aliases };
    if (!field.selectionSet) return { cost: TEXT_FIELD_COST.get(field.name.value) ?? 1, depth: 1, aliases, directives: 0 };
    const child = summarise(field.selectionSet);
    return { cost: 1 + pageFactor(field, values) * child.cost, depth: 1 + child.depth, aliases: aliases + child.aliases, directives: child.directives };
  };
  return summarise(operation.selectionSet);
}

/** How many times a field's children are resolved: `first` for a page, a guess for an unpaged list. */
function pageFactor(field: FieldNode, variables: Record<string, unknown>): number {
  const first = field.arguments?.find((arg) => arg.name.value === 'first');
  if (first) return Math.max(1, intValue(first.value, variables) ?? DEFAULT_FIRST);
  if (isConnectionLike(field)) return DEFAULT_FIRST;
  if (UNPAGED_LISTS.has(field.name.value)) return UNPAGED_LIST_FACTOR;
  return 1;
}

/** A connection field without `first` still returns a page of the default size. */
function isConnectionLike(field: FieldNode): boolean {
  return field.selectionSet?.selections.some((selection) => selection.kind === Kind.FIELD && selection.name.value === 'edges') ?? false;
}

/**
 * The widest selection set of the whole document (every operation and fragment, as validation sees
 * them), counting the fields its fragments bring. Each fragment's width is computed once, so this is
 * linear in the document's size; it runs before validation, whose cost it bounds.
 */
export function documentBreadth(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentWidths = new Map<string, number>();
  const inProgress = new Set<string>();
  let breadth = 0;
  const fragmentWidth = (name: string): number => {
    const known = fragmentWidths.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || inProgress.has(name)) return 0;
    inProgress.add(name);
    const width = widthOf(fragment.selectionSet);
    inProgress.delete(name);
    fragmentWidths.set(name, width);
    return width;
  };
  // The width of a set (fields of its inline fragments and spreads included); nested sets are
  // measured on the way, each once, and the widest kept. (`widest` reads `breadth` only after the
  // nested set was measured: `breadth = Math.max(breadth, widthOf(...))` would read it before, and
  // lose a wider set nested inside a narrower one.)
  const widest = (width: number) => {
    breadth = Math.max(breadth, width);
  };
  const widthOf = (selectionSet: SelectionSetNode): number => {
    let width = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        width += 1;
        if (selection.selectionSet) widest(widthOf(selection.selectionSet));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        width += widthOf(selection.selectionSet);
      } else {
        width += fragmentWidth(selection.name.value);
      }
    }
    return width;
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) widest(widthOf(definition.selectionSet));
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) widest(fragmentWidth(definition.name.value));
  }
  return breadth;
}

/** Throws QUERY_TOO_COMPLEX when a selection set of the document is too wide to validate cheaply. */
export function enforceBreadth(limits: QueryLimits, document: DocumentNode): void {
  const breadth = documentBreadth(document);
  if (breadth > limits.maxBreadth) {
    throw tooComplex(`A selection set of ${breadth} fields exceeds the limit of ${limits.maxBreadth}; select each field once.`);
  }
}

/** Throws QUERY_TOO_COMPLEX when the operation breaks a limit; the message names the limit. */
export function enforceLimits(limits: QueryLimits, document: DocumentNode, operationName: string | null | undefined, variables?: Record<string, unknown> | null): void {
  const walk = measureOperation(document, operationName, variables ?? {});
  if (walk.depth > limits.maxDepth) throw tooComplex(`Query depth ${walk.depth} exceeds the limit of ${limits.maxDepth}.`);
  if (walk.aliases > limits.maxAliases) throw tooComplex(`${walk.aliases} aliases exceed the limit of ${limits.maxAliases}.`);
  if (walk.directives > limits.maxDirectives) throw tooComplex(`${walk.directives} directives exceed the limit of ${limits.maxDirectives}.`);
  if (walk.cost > limits.maxCost) {
    throw tooComplex(`Estimated cost ${walk.cost} exceeds the limit of ${limits.maxCost}; ask for smaller pages (first) or fewer nested lists.`);
  }
}

/** The parser's token limit error, recoded so clients see one code for every limit. */
export function isTokenLimitError(error: unknown): boolean {
  // graphql-js 16 spells it "more that"; accept both spellings.
  return /Document contains more tha[nt] \d+ tokens/.test(error instanceof Error ? error.message : String(error));
}

export { tooComplex };
