import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { fetchNode, Node } from '../../common/node';
import type { Context } from '../../context/context';

@Resolver()
export class NodeResolver {
  @Allow(Roles.READ)
  @Query(() => Node, { nullable: true, description: 'Any object by its global id; null when there is none.' })
  node(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<object | null> {
    return fetchNode(ctx, id);
  }
}
