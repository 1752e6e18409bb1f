import { Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { Allow, Role, Roles } from '../../common/auth';
import type { Context } from '../../context/context';

@ObjectType('Viewer', { description: 'Who the token belongs to.' })
export class ViewerType {
  @Field(() => Role)
  role!: Role;

  @Field({ description: 'The API key name or the JWT subject.' })
  name!: string;

  @Field({ description: 'Whether personal data is masked for this role.' })
  piiMasked!: boolean;
}

@Resolver()
export class ViewerResolver {
  @Allow([...Roles.READ_WITH_INGEST])
  @Query(() => ViewerType, { description: 'The calling principal: handy to check a token and its role.' })
  viewer(@Ctx() ctx: Context): ViewerType {
    const role = ctx.principal!.role as Role;
    return { role, name: ctx.principal!.name, piiMasked: role === Role.ANALYST || role === Role.PARTNER };
  }
}
