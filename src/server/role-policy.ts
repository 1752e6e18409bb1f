import {
  defaultFieldResolver,
  getNamedType,
  GraphQLError,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { ALLOWED_ROLES_EXTENSION, readsAsWriter, type Principal, type Role } from '../common/auth';
import { ARGUMENT_POLICY, FIELD_POLICY, TYPE_POLICY } from '../common/role-policy';
import type { Context } from '../context/context';

/** One thing of a document a role may not use: a type, a field or an argument, and where. */
export interface Refusal {
  coordinate: string;
  node: ASTNode;
  /** An argument given by a variable without a default: refused only when the request sets it. */
  variable?: string;
}

const refusalsByDocument = new WeakMap<DocumentNode, Map<string, Refusal[]>>();

/** Roles a field admits: its `@Allow` roles (from the schema) and its row of FIELD_POLICY. */
function fieldAdmits(extensions: Readonly<Record<string, unknown>> | undefined, coordinate: string, role: Role): boolean {
  const allowed = extensions?.[ALLOWED_ROLES_EXTENSION] as readonly Role[] | undefined;
  if (allowed && !allowed.includes(role)) return false;
  const table = FIELD_POLICY[coordinate];
  return !table || table.includes(role);
}

function typeAdmits(typeName: string, role: Role): boolean {
  const table = TYPE_POLICY[typeName];
  return !table || table.includes(role);
}

/**
 * Everything in `document` that `role` may not read, per the role policy: fields of types it may not
 * read (inline fragments on them included), fields returning such types, fields and arguments refused
 * by name. Every operation and fragment of the document is walked; the answer is kept per document
 * (the preparer hands the same parsed document for the same text) and role.
 */
export function roleRefusals(schema: GraphQLSchema, document: DocumentNode, role: Role): Refusal[] {
  let byRole = refusalsByDocument.get(document);
  if (!byRole) {
    byRole = new Map();
    refusalsByDocument.set(document, byRole);
  }
  const known = byRole.get(role);
  if (known) return known;
  const refusals: Refusal[] = [];
  const seen = new Set<string>();
  const refuse = (coordinate: string, node: ASTNode, variable?: string) => {
    const key = variable ? `${coordinate}$${variable}` : coordinate;
    if (seen.has(key)) return;
    seen.add(key);
    refusals.push({ coordinate, node, ...(variable && { variable }) });
  };
  // Variables with a default always have a value; others only when the request sets one.
  const defaulted = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const variable of definition.variableDefinitions ?? []) {
      if (variable.defaultValue && variable.defaultValue.kind !== Kind.NULL) defaulted.add(variable.variable.name.value);
    }
  }
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent) return;
        if (!typeAdmits(parent.name, role)) refuse(parent.name, node);
        const field = typeInfo.getFieldDef();
        if (!field) return;
        const coordinate = `${parent.name}.${field.name}`;
        if (!fieldAdmits(field.extensions, coordinate, role)) refuse(coordinate, node);
        const returned = getNamedType(field.type).name;
        if (!typeAdmits(returned, role)) refuse(returned, node);
        for (const argument of node.arguments ?? []) {
          const argumentCoordinate = `${coordinate}(${argument.name.value})`;
          const table = ARGUMENT_POLICY[argumentCoordinate];
          if (!table || table.includes(role) || argument.value.kind === Kind.NULL) continue;
          const variable = argument.value.kind === Kind.VARIABLE && !defaulted.has(argument.value.name.value) ? argument.value.name.value : undefined;
          refuse(argumentCoordinate, argument, variable);
        }
      },
    }),
  );
  byRole.set(role, refusals);
  return refusals;
}

/**
 * The role-policy check, run before execution on every transport (OperationPreparer.operation):
 * null when the document is within the caller's role, else ONE FORBIDDEN error naming every refused
 * coordinate (`extensions.refused`), so a client learns what to drop instead of a page wiped to null.
 */
export function checkRolePolicy(
  schema: GraphQLSchema,
  document: DocumentNode,
  principal: Principal | undefined,
  variables?: Readonly<Record<string, unknown>> | null,
): GraphQLError | null {
  if (!principal) return null; // anonymous callers never get this far (UNAUTHENTICATED)
  // A refused argument passed as a variable counts only when the request gives it a value.
  const refusals = roleRefusals(schema, document, principal.role as Role).filter((refusal) => !refusal.variable || variables?.[refusal.variable] != null);
  if (refusals.length === 0) return null;
  const coordinates = refusals.map((refusal) => refusal.coordinate);
  return new GraphQLError(`Your role (${principal.role}) may not read ${coordinates.join(', ')}; leave them out of the document.`, {
    nodes: refusals.map((refusal) => refusal.node),
    extensions: { code: 'FORBIDDEN', refused: coordinates, http: { status: 403 } },
  });
}

/**
 * Types whose rows carry their writer (`createdBy`): what INGEST may read of them beyond the id is
 * limited to records it wrote itself (readsAsWriter), wherever they appear: mutation payloads, nested
 * customers, interactions, conversations and orders, lists included.
 */
export const WRITER_OWNED_TYPES = ['Customer', 'Interaction', 'Conversation', 'Order'] as const;

export function notWriter(typeName: string): GraphQLError {
  return new GraphQLError(`INGEST tokens read only the id of a ${typeName} another writer made.`, { extensions: { code: 'FORBIDDEN', reason: 'NOT_WRITER' } });
}

/** True when the writer check can refuse `principal` anything: only INGEST tokens are held to their own writes. */
export function heldToOwnWrites(principal: Principal | undefined): boolean {
  return principal?.role === 'INGEST';
}

interface WriterGuard {
  field: GraphQLField<unknown, Context>;
  guarded: GraphQLFieldResolver<unknown, Context>;
  /** What the field ran before the guard (undefined: the default resolver, which graphql-jit inlines). */
  open: GraphQLFieldResolver<unknown, Context> | undefined;
}

const writerGuards = new WeakMap<GraphQLSchema, WriterGuard[]>();

/**
 * Wraps every field but `id` of the writer-owned types with the writer check. Runs after every other
 * binding (fast resolvers, the response budget), so it wraps what will actually run, on every transport
 * and executor.
 */
export function bindWriterGuards(schema: GraphQLSchema): void {
  const guards: WriterGuard[] = [];
  for (const typeName of WRITER_OWNED_TYPES) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`writer-owned type ${typeName} is not in the schema`);
    for (const field of Object.values(type.getFields())) {
      if (field.name === 'id') continue;
      const open = field.resolve;
      const resolve: GraphQLFieldResolver<unknown, Context> = open ?? defaultFieldResolver;
      const guarded: GraphQLFieldResolver<unknown, Context> = (root, args, context, info) => {
        if (heldToOwnWrites(context.principal) && !readsAsWriter(context.principal, (root as { createdBy?: string }).createdBy)) throw notWriter(typeName);
        return resolve(root, args, context, info);
      };
      field.resolve = guarded;
      guards.push({ field, guarded, open });
    }
  }
  writerGuards.set(schema, guards);
}

/**
 * Runs `compile` with the writer-owned fields as they were before their guards, then puts the guards
 * back. For every reader but INGEST the check never refuses (heldToOwnWrites), yet it made each field
 * a resolver call that graphql-jit would otherwise read inline: an order's channel, status and
 * placedAt on every order of a list page. graphql-jit reads each field's resolver once, while it
 * compiles, and compiling is synchronous, so nothing else runs in between; what it compiles serves
 * such readers only (compiled-execution.ts keeps it apart).
 */
export function withoutWriterGuards<T>(schema: GraphQLSchema, compile: () => T): T {
  const guards = writerGuards.get(schema) ?? [];
  // A wrapper bound around a guard later (the resolver spans of tracing, graphql-spans.ts) would be
  // taken off with it: then every reader keeps the guards.
  if (guards.some((guard) => guard.field.resolve !== guard.guarded)) return compile();
  for (const guard of guards) guard.field.resolve = guard.open;
  try {
    return compile();
  } finally {
    for (const guard of guards) guard.field.resolve = guard.guarded;
  }
}
