import { Field, ID, InterfaceType } from 'type-graphql';
import type { Context } from '../context/context';
import { assertReadableType } from './role-policy';
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

const fetchers = new Map<NodeTypeName, NodeFetcher>();

/** Each module registers how `node(id)` fetches its node types. */
export function registerNodeType(type: NodeTypeName, fetch: NodeFetcher): void {
  fetchers.set(type, fetch);
}

/**
 * `node(id)` is open to every reading role, but the document cannot name the type it gets: the role
 * policy (common/role-policy.ts) is checked here on the type the id resolves to, so a role never gets
 * an object of a type it may not read (FORBIDDEN, before anything is fetched).
 */
export async function fetchNode(ctx: Context, id: string): Promise<object | null> {
  const type = typeOfId(id);
  const fetch = type && fetchers.get(type);
  if (!fetch) return null;
  assertReadableType(ctx.principal, type);
  return fetch(ctx, id);
}
