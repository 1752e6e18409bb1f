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
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 15,
  maxCost: 250_000,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 5_000,
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

interface Walk {
  cost: number;
  depth: number;
  aliases: number;
  directives: number;
}

/**
 * Measures one operation with its variables: depth, aliases, directives and the estimated cost, where
 * a connection's children cost `first` times (20 when not given) and unpaged lists 10 times.
 */
export function measureOperation(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> = {}): Walk {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName ? operations.find((op) => op.name?.value === operationName) : operations[0];
  const walk: Walk = { cost: 0, depth: 0, aliases: 0, directives: 0 };
  if (!operation) return walk;

  const visit = (selectionSet: SelectionSetNode, depth: number, multiplier: number, seen: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      walk.directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        visitField(selection, depth, multiplier, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, depth, multiplier, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment spread inside itself is invalid GraphQL anyway; never loop on it.
        if (fragment && !seen.has(name)) visit(fragment.selectionSet, depth, multiplier, new Set([...seen, name]));
      }
    }
  };
  const visitField = (field: FieldNode, depth: number, multiplier: number, seen: Set<string>): void => {
    if (field.name.value.startsWith('__')) return;
    if (field.alias) walk.aliases += 1;
    const fieldDepth = depth + 1;
    walk.depth = Math.max(walk.depth, fieldDepth);
    walk.cost += multiplier;
    if (!field.selectionSet) return;
    const first = field.arguments?.find((arg) => arg.name.value === 'first');
    let childMultiplier = multiplier;
    if (first) childMultiplier *= Math.max(1, intValue(first.value, variables) ?? DEFAULT_FIRST);
    else if (isConnectionLike(field)) childMultiplier *= DEFAULT_FIRST;
    else if (UNPAGED_LISTS.has(field.name.value)) childMultiplier *= UNPAGED_LIST_FACTOR;
    visit(field.selectionSet, fieldDepth, childMultiplier, seen);
  };
  visit(operation.selectionSet, 0, 1, new Set());
  return walk;
}

/** A connection field without `first` still returns a page of the default size. */
function isConnectionLike(field: FieldNode): boolean {
  return field.selectionSet?.selections.some((selection) => selection.kind === Kind.FIELD && selection.name.value === 'edges') ?? false;
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
