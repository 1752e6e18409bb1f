import { Field, ID, InterfaceType } from 'type-graphql';
import type { Context } from '../context/context';
import { forbidden, Roles, type Role } from './auth';
import { typeOfId, type NodeTypeName } from './ids';

/** The concrete type of a node: its id's prefix tells. */
export function resolveNodeType(value: { id: string }): NodeTypeName | undefined {
  return typeOfId(value.id);
}

@InterfaceType({
  description: 'An object with a globally unique id; fetch any of them with `node(id)`.',
  resolveType: resolveNodeType,
})
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique, opaque id; its prefix tells the type.' })
  id!: string;
}

/** How `node(id)` fetches one type; each module registers its node types here. */
export type NodeFetcher = (ctx: Context, id: string) => Promise<object | null>;

const fetchers = new Map<NodeTypeName, { fetch: NodeFetcher; roles: readonly Role[] }>();

/**
 * `node(id)` is open to every reading role; a type whose reads are narrower (the catalogue, orders and
 * offers are READ_INTERNAL) registers its roles, and node(id) answers FORBIDDEN to the others.
 */
export function registerNodeType(type: NodeTypeName, fetch: NodeFetcher, roles: readonly Role[] = Roles.READ): void {
  fetchers.set(type, { fetch, roles });
}

export async function fetchNode(ctx: Context, id: string): Promise<object | null> {
  const type = typeOfId(id);
  const entry = type && fetchers.get(type);
  if (!entry) return null;
  if (!entry.roles.includes(ctx.principal?.role as Role)) throw forbidden();
  return entry.fetch(ctx, id);
}
