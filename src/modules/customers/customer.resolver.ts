import { JSONResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Mutation, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import { DomainError, InvalidArgumentError, mutationPayload } from '../../common/errors';
import { PageArgs, type Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { plannedColumn, plannedFinder, withPlannedConnection, withPlannedRow } from '../../read-planner';
import { exportCustomerData, eraseCustomer } from './customer-privacy.service';
import {
  addIdentity, getCustomer, getCustomerByIdentity, identifyCustomer, listCustomers, mergeCustomers, recordConsent, undoMerge,
} from './customer.service';
import {
  AddIdentityInput, EraseCustomerInput, IdentifyCustomerInput, IdentityInput, MergeCustomersInput, RecordConsentInput, UndoMergeInput,
} from './customer.inputs';
import {
  AddIdentityPayload, EraseCustomerPayload, IdentifyCustomerPayload, MergeCustomersPayload, RecordConsentPayload, UndoMergePayload,
} from './customer.payloads';
import { CustomerConnection, CustomerType, DuplicateCandidateType, type CustomerRow, type PlannedCustomerRow } from './customer.type';
import { duplicateCandidates } from './customer-duplicates.service';
import { ArgsType, Field } from 'type-graphql';

@ArgsType()
class CustomersArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Fragment of a name, e-mail or phone (at least 3 characters use the index).' })
  search?: string | null;
}

/** Reads as a query error rather than a payload: queries have no userErrors. */
async function asQueryError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw new InvalidArgumentError(error.message, error.field?.join('.'));
    throw error;
  }
}

@Resolver(() => CustomerType)
export class CustomerResolver {
  @Allow(Roles.READ_WITH_INGEST)
  @Query(() => CustomerType, { nullable: true, description: 'A customer by id; an id merged away resolves to the survivor.' })
  async customer(
    @Ctx() ctx: Context, @Arg('id', () => ID, { description: 'A customer id; one merged away resolves to its survivor.' }) id: string, @Info() info: GraphQLResolveInfo,
  ): Promise<PlannedCustomerRow | null> {
    // The customer (through the merge chain) and everything the selection asks below it, what the modules
    // add to a customer's read included (its stats, its offer-decision inputs): the planner's one statement.
    return withPlannedRow(ctx, info, await getCustomer(ctx, id, plannedFinder<CustomerRow, 'id' | 'createdBy'>(ctx, info, 'id')));
  }

  @Allow(Roles.IDENTITY_LOOKUP)
  @Query(() => CustomerType, { nullable: true, description: 'Automatic identification: the customer owning this identity (normalised first). Not for ANALYST and PARTNER (a lookup by a personal value); INGEST gets null, as for nobody, for a customer another writer created.' })
  customerByIdentity(@Ctx() ctx: Context, @Arg('identity', () => IdentityInput, { description: 'The identity as any channel wrote it; normalised before matching.' }) identity: IdentityInput): Promise<CustomerRow | null> {
    return getCustomerByIdentity(ctx, identity);
  }

  @Allow(Roles.READ)
  @Query(() => CustomerConnection, { description: 'Customers, newest first; search matches name, e-mail and phone fragments.' })
  async customers(@Ctx() ctx: Context, @Args() args: CustomersArgs, @Info() info: GraphQLResolveInfo): Promise<Connection<CustomerRow>> {
    return withPlannedConnection(ctx, info, await listCustomers(ctx, args, plannedColumn(ctx, info)));
  }

  @Allow(Roles.READ_INTERNAL)
  @Query(() => [DuplicateCandidateType], { description: 'Customers that may be the same person, scored with readable reasons.' })
  duplicateCandidates(@Ctx() ctx: Context, @Arg('customerId', () => ID, { description: 'The customer to find possible duplicates of.' }) customerId: string): Promise<DuplicateCandidateType[]> {
    return asQueryError(() => duplicateCandidates(ctx, customerId));
  }

  @Allow(Roles.PERSONAL_DATA)
  @Query(() => JSONResolver, { description: 'GDPR access and portability: everything held about the customer, as JSON.' })
  customerDataExport(@Ctx() ctx: Context, @Arg('customerId', () => ID, { description: 'The customer; customers merged into it are included.' }) customerId: string): Promise<Record<string, unknown>> {
    return asQueryError(() => exportCustomerData(ctx, customerId));
  }

  @Allow(Roles.WRITE_CUSTOMER)
  @Mutation(() => IdentifyCustomerPayload, { description: 'Resolve-or-create from identities; never merges silently (CONFLICT names both customers).' })
  identifyCustomer(@Ctx() ctx: Context, @Arg('input', () => IdentifyCustomerInput, { description: 'What to do; see the input type.' }) input: IdentifyCustomerInput) {
    return mutationPayload(() => identifyCustomer(ctx, input), { customer: null, created: false });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => AddIdentityPayload, { description: 'Attaches an identity; CONFLICT when another customer owns it.' })
  addIdentity(@Ctx() ctx: Context, @Arg('input', () => AddIdentityInput, { description: 'What to do; see the input type.' }) input: AddIdentityInput) {
    return mutationPayload(() => addIdentity(ctx, input), { customer: null, identity: null });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => MergeCustomersPayload, { description: 'Moves everything of mergedId to survivorId and keeps the lineage.' })
  mergeCustomers(@Ctx() ctx: Context, @Arg('input', () => MergeCustomersInput, { description: 'What to do; see the input type.' }) input: MergeCustomersInput) {
    return mutationPayload(() => mergeCustomers(ctx, input), { customer: null, merge: null });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => UndoMergePayload, { description: 'Restores the merged customer with exactly what the merge moved.' })
  undoMerge(@Ctx() ctx: Context, @Arg('input', () => UndoMergeInput, { description: 'What to do; see the input type.' }) input: UndoMergeInput) {
    return mutationPayload(() => undoMerge(ctx, input), { customer: null, merge: null });
  }

  @Allow(Roles.WRITE_AGENT)
  @Mutation(() => RecordConsentPayload, { description: 'Appends to the consent history.' })
  recordConsent(@Ctx() ctx: Context, @Arg('input', () => RecordConsentInput, { description: 'What to do; see the input type.' }) input: RecordConsentInput) {
    return mutationPayload(() => recordConsent(ctx, input), { customer: null, consent: null });
  }

  @Allow(Roles.ADMIN)
  @Mutation(() => EraseCustomerPayload, { description: 'GDPR erasure: anonymises personal data everywhere, the event log included; keeps amounts and dates.' })
  eraseCustomer(@Ctx() ctx: Context, @Arg('input', () => EraseCustomerInput, { description: 'What to do; see the input type.' }) input: EraseCustomerInput) {
    return mutationPayload(() => eraseCustomer(ctx, input), { customer: null, erased: [] });
  }
}
