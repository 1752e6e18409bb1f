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

/** How `node(id)` fetches one type; each module declares its node types (`OmniModule.nodeTypes`). */
export type NodeFetcher = (ctx: Context, id: string) => Promise<object | null>;

let fetchers: ReadonlyMap<NodeTypeName, NodeFetcher> = new Map();

/** Replaces the node types `node(id)` serves: called by wireModules (src/modules/wiring.ts) only. */
export function installNodeTypes(entries: ReadonlyMap<NodeTypeName, NodeFetcher>): void {
  fetchers = new Map(entries);
}

/** The node types `node(id)` serves (none until the modules are wired). */
export function servedNodeTypes(): NodeTypeName[] {
  return [...fetchers.keys()];
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
