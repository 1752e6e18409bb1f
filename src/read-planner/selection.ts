import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/** One response key of a selection on an object type: the field, its arguments and, for object fields, what is selected below. */
export interface SelectedField {
  alias: string;
  name: string;
  args: Record<string, unknown>;
  nodes: FieldNode[];
  /** The named type of the field (an object type for relations and connections). */
  type: GraphQLObjectType | undefined;
}

/** What a walk over a document needs: the schema, the document's fragments, the operation's variables. */
export interface Walk {
  schema: GraphQLSchema;
  fragments: GraphQLResolveInfo['fragments'];
  variables: GraphQLResolveInfo['variableValues'];
}

/**
 * The fields selected on `type` by `nodes` (the field nodes of one response key), keyed by response key:
 * fragments followed when their condition applies to `type`, @skip and @include honoured, the nodes of
 * a repeated key merged (graphql-js merges them the same way before it executes them).
 */
export function fieldsOn(walk: Walk, type: GraphQLObjectType, nodes: readonly FieldNode[]): Map<string, SelectedField> {
  const fields = new Map<string, SelectedField>();
  for (const node of nodes) collect(walk, type, node.selectionSet, fields);
  return fields;
}

/** The walk context of a resolver's own field. */
export function walkOf(info: GraphQLResolveInfo): Walk {
  return { schema: info.schema, fragments: info.fragments, variables: info.variableValues };
}

/** The nodes of the field at `path` below `nodes` (e.g. ['edges', 'node'] of a connection), with its type. */
export function descend(
  walk: Walk,
  type: GraphQLObjectType,
  nodes: readonly FieldNode[],
  path: readonly string[],
): { type: GraphQLObjectType; nodes: FieldNode[] } | undefined {
  let current = { type, nodes: [...nodes] };
  for (const name of path) {
    const matches = [...fieldsOn(walk, current.type, current.nodes).values()].filter((field) => field.name === name);
    const next = matches[0]?.type;
    if (!next) return undefined;
    current = { type: next, nodes: matches.flatMap((field) => field.nodes) };
  }
  return current;
}

function collect(walk: Walk, type: GraphQLObjectType, selectionSet: SelectionSetNode | undefined, into: Map<string, SelectedField>): void {
  if (!selectionSet) return;
  for (const selection of selectionSet.selections) {
    if (!included(walk, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      const alias = selection.alias?.value ?? name;
      const existing = into.get(alias);
      if (existing) {
        existing.nodes.push(selection);
        continue;
      }
      const definition = name.startsWith('__') ? undefined : type.getFields()[name];
      const named = definition ? getNamedType(definition.type) : undefined;
      into.set(alias, {
        alias,
        name,
        args: definition ? getArgumentValues(definition, selection, walk.variables) : {},
        nodes: [selection],
        type: isObjectType(named) ? named : undefined,
      });
    } else {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : walk.fragments[selection.name.value];
      if (fragment && conditionApplies(walk.schema, type, fragment.typeCondition?.name.value)) collect(walk, type, fragment.selectionSet, into);
    }
  }
}

function included(walk: Walk, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, walk.variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, walk.variables)?.if !== false;
}

function conditionApplies(schema: GraphQLSchema, type: GraphQLObjectType, condition: string | undefined): boolean {
  if (!condition || condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return Boolean(conditionType && isAbstractType(conditionType) && schema.isSubType(conditionType, type));
}

/**
 * Whether a connection's selection reads pageInfo.hasNextPage: the one answer that needs a row past the
 * page, so a page nobody asks it of reads `first` rows, not `first + 1`.
 */
export function asksNextPage(walk: Walk, connection: GraphQLObjectType, nodes: readonly FieldNode[]): boolean {
  const pageInfo = descend(walk, connection, nodes, ['pageInfo']);
  return pageInfo !== undefined && [...fieldsOn(walk, pageInfo.type, pageInfo.nodes).values()].some((field) => field.name === 'hasNextPage');
}

/** The field a resolver resolves, as a selected field of its parent type. */
export function ownField(info: GraphQLResolveInfo): SelectedField {
  const definition = info.parentType.getFields()[info.fieldName];
  const named = getNamedType(definition.type);
  return {
    alias: String(info.path.key),
    name: info.fieldName,
    args: getArgumentValues(definition, info.fieldNodes[0], info.variableValues),
    nodes: [...info.fieldNodes],
    type: isObjectType(named) ? named : undefined,
  };
}
