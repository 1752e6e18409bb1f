import { Field, ID, InterfaceType } from 'type-graphql';
import type { Context } from '../context/context';
import { typeOfId, type NodeTypeName } from './ids';

@InterfaceType({
  description: 'An object with a globally unique id; fetch any of them with `node(id)`.',
  resolveType: (value: { id: string }) => typeOfId(value.id),
})
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique, opaque id; its prefix tells the type.' })
  id!: string;
}

/** How `node(id)` fetches one type; each module registers its node types here. */
export type NodeFetcher = (ctx: Context, id: string) => Promise<object | null>;

const fetchers = new Map<NodeTypeName, NodeFetcher>();

export function registerNodeType(type: NodeTypeName, fetcher: NodeFetcher): void {
  fetchers.set(type, fetcher);
}

export async function fetchNode(ctx: Context, id: string): Promise<object | null> {
  const type = typeOfId(id);
  const fetcher = type && fetchers.get(type);
  return fetcher ? fetcher(ctx, id) : null;
}
