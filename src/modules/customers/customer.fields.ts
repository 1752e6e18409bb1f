import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { maskIdentityValue, maskName, Pii, PiiMaskedByResolver, shouldMask } from '../../common/auth';
import type { Context } from '../../context/context';
import { ConsentsByCustomerLoader, CustomerByIdLoader, IdentitiesByCustomerLoader, MergesBySurvivorLoader } from './customer.loaders';
import { CustomerStatus, IdentityType } from './customer.enums';
import { ConsentType, CustomerMergeType, CustomerType, DuplicateCandidateType, IdentityType_, type CustomerRow } from './customer.type';

function primary(identities: IdentityType_[], type: IdentityType): string | null {
  return identities.find((identity) => identity.type === type)?.value ?? null;
}

@Resolver(() => CustomerType)
export class CustomerFields {
  @PiiMaskedByResolver('name')
  @FieldResolver(() => String, { description: 'Name, else primary e-mail, else the id. Masked for ANALYST and PARTNER.' })
  async displayName(@Root() customer: CustomerRow, @Ctx() ctx: Context): Promise<string> {
    if (customer.status === CustomerStatus.ERASED) return 'Erased customer';
    const name = [customer.firstName, customer.lastName].filter(Boolean).join(' ');
    if (name) return shouldMask(ctx.principal) ? maskName(name) : name;
    const email = primary(await ctx.loaders.get(IdentitiesByCustomerLoader).load(customer.id), IdentityType.EMAIL);
    if (email) return shouldMask(ctx.principal) ? maskIdentityValue('EMAIL', email) : email;
    return `Customer ${customer.id}`;
  }

  @Pii('email')
  @FieldResolver(() => String, { nullable: true, description: 'Primary e-mail identity (the earliest added). Masked for ANALYST and PARTNER.' })
  async email(@Root() customer: CustomerRow, @Ctx() ctx: Context): Promise<string | null> {
    return primary(await ctx.loaders.get(IdentitiesByCustomerLoader).load(customer.id), IdentityType.EMAIL);
  }

  @Pii('phone')
  @FieldResolver(() => String, { nullable: true, description: 'Primary phone identity, E.164. Masked for ANALYST and PARTNER.' })
  async phone(@Root() customer: CustomerRow, @Ctx() ctx: Context): Promise<string | null> {
    return primary(await ctx.loaders.get(IdentitiesByCustomerLoader).load(customer.id), IdentityType.PHONE);
  }

  @FieldResolver(() => [IdentityType_], { description: 'Every identity, oldest first.' })
  identities(@Root() customer: CustomerRow, @Ctx() ctx: Context): Promise<IdentityType_[]> {
    return ctx.loaders.get(IdentitiesByCustomerLoader).load(customer.id);
  }

  @FieldResolver(() => [ConsentType], { description: 'Current state, one per purpose × channel that was ever recorded.' })
  consents(@Root() customer: CustomerRow, @Ctx() ctx: Context): Promise<ConsentType[]> {
    return ctx.loaders.get(ConsentsByCustomerLoader).load(customer.id);
  }

  @FieldResolver(() => [CustomerMergeType], {
    description: 'Lineage of every merge into this customer, newest first, undone ones included; merges into customers that were merged into this one since are part of it.',
  })
  mergedFrom(@Root() customer: CustomerRow, @Ctx() ctx: Context): Promise<CustomerMergeType[]> {
    return ctx.loaders.get(MergesBySurvivorLoader).load(customer.id);
  }
}

@Resolver(() => IdentityType_)
export class IdentityFields {
  @PiiMaskedByResolver('identity')
  @FieldResolver(() => String, { description: 'Normalised value (phone in E.164). Masked for ANALYST and PARTNER.' })
  value(@Root() identity: IdentityType_, @Ctx() ctx: Context): string {
    return shouldMask(ctx.principal) ? maskIdentityValue(identity.type, identity.value) : identity.value;
  }
}

@Resolver(() => CustomerMergeType)
export class CustomerMergeFields {
  @FieldResolver(() => CustomerType, { description: 'The customer that stayed.' })
  async survivor(@Root() merge: CustomerMergeType, @Ctx() ctx: Context): Promise<CustomerRow> {
    return (await ctx.loaders.get(CustomerByIdLoader).load(merge.survivorId))!;
  }
}

@Resolver(() => DuplicateCandidateType)
export class DuplicateCandidateFields {
  @FieldResolver(() => CustomerType, { description: 'The customer that may be the same person.' })
  async customer(@Root() candidate: DuplicateCandidateType, @Ctx() ctx: Context): Promise<CustomerRow> {
    return (await ctx.loaders.get(CustomerByIdLoader).load(candidate.customerId))!;
  }
}
