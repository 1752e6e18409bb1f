import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { identityPiiKind, Pii, type PiiKind } from '../../common/auth';
import type { Context } from '../../context/context';
import { plannedKeys } from '../../read-planner';
import { ConsentsByCustomerLoader, CustomerByIdLoader, IdentitiesByCustomerLoader, MergesBySurvivorLoader } from './customer.loaders';
import { CustomerStatus, IdentityType } from './customer.enums';
import { ConsentType, CustomerMergeType, CustomerType, DuplicateCandidateType, IdentityType_, type CustomerRow, type PlannedCustomerRow } from './customer.type';

/** The customer's primary identity of `type` (the earliest added), through the identities' loader. */
async function primaryIdentity(ctx: Context, customer: PlannedCustomerRow, type: IdentityType): Promise<string | null> {
  const identities = await ctx.loaders.get(IdentitiesByCustomerLoader).load(customer.id);
  return identities.find((identity) => identity.type === type)?.value ?? null;
}

/** displayName of a customer with neither a name nor an e-mail: not personal. */
function unnamed(customer: PlannedCustomerRow): string {
  return `Customer ${customer.id}`;
}

/** What a displayName is: a name, else an e-mail (masked as one), else not personal (erased, unnamed). */
function displayNameKind(customer: PlannedCustomerRow, value: string): PiiKind | null {
  const { status, firstName, lastName } = plannedKeys(customer, 'status', 'firstName', 'lastName');
  if (status === CustomerStatus.ERASED || value === unnamed(customer)) return null;
  return firstName || lastName ? 'name' : 'email';
}

@Resolver(() => CustomerType)
export class CustomerFields {
  @Pii('name', displayNameKind)
  @FieldResolver(() => String, { description: 'Name, else primary e-mail, else the id. Masked for ANALYST and PARTNER.' })
  displayName(@Root() customer: PlannedCustomerRow, @Ctx() ctx: Context): string | Promise<string> {
    // What Customer.displayName's `reads` make the planner read (its primary e-mail only when it planned the row).
    const { status, firstName, lastName } = plannedKeys(customer, 'status', 'firstName', 'lastName');
    if (status === CustomerStatus.ERASED) return 'Erased customer';
    const name = [firstName, lastName].filter(Boolean).join(' ');
    if (name) return name;
    if (customer.primaryEmail !== undefined) return customer.primaryEmail ?? unnamed(customer);
    if (customer.unnamedEmail !== undefined) return customer.unnamedEmail ?? unnamed(customer);
    return primaryIdentity(ctx, customer, IdentityType.EMAIL).then((email) => email ?? unnamed(customer));
  }

  @Pii('email')
  @FieldResolver(() => String, { nullable: true, description: 'Primary e-mail identity (the earliest added). Masked for ANALYST and PARTNER.' })
  email(@Root() customer: PlannedCustomerRow, @Ctx() ctx: Context): string | null | Promise<string | null> {
    return customer.primaryEmail !== undefined ? customer.primaryEmail : primaryIdentity(ctx, customer, IdentityType.EMAIL);
  }

  @Pii('phone')
  @FieldResolver(() => String, { nullable: true, description: 'Primary phone identity, E.164. Masked for ANALYST and PARTNER.' })
  phone(@Root() customer: PlannedCustomerRow, @Ctx() ctx: Context): string | null | Promise<string | null> {
    return customer.primaryPhone !== undefined ? customer.primaryPhone : primaryIdentity(ctx, customer, IdentityType.PHONE);
  }

  @FieldResolver(() => [IdentityType_], { description: 'Every identity, oldest first.' })
  identities(@Root() customer: PlannedCustomerRow, @Ctx() ctx: Context): Promise<IdentityType_[]> {
    return ctx.loaders.get(IdentitiesByCustomerLoader).load(customer.id);
  }

  @FieldResolver(() => [ConsentType], { description: 'Current state, one per purpose × channel that was ever recorded.' })
  consents(@Root() customer: PlannedCustomerRow, @Ctx() ctx: Context): Promise<ConsentType[]> {
    return ctx.loaders.get(ConsentsByCustomerLoader).load(customer.id);
  }

  @FieldResolver(() => [CustomerMergeType], {
    description: 'Lineage of every merge into this customer, newest first, undone ones included; merges into customers that were merged into this one since are part of it.',
  })
  mergedFrom(@Root() customer: PlannedCustomerRow, @Ctx() ctx: Context): Promise<CustomerMergeType[]> {
    return ctx.loaders.get(MergesBySurvivorLoader).load(customer.id);
  }
}

@Resolver(() => IdentityType_)
export class IdentityFields {
  @Pii('identity', identityPiiKind)
  @FieldResolver(() => String, { description: 'Normalised value (phone in E.164). Masked for ANALYST and PARTNER.' })
  value(@Root() identity: IdentityType_): string {
    return identity.value;
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
