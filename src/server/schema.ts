import { GraphQLSchema } from 'graphql';
import { DateTimeScalar } from '../common/scalars';
import { buildSchemaSync } from 'type-graphql';
import { authChecker } from '../common/auth';
import { allResolvers } from '../modules';
import { Money, MoneyInput } from '../common/money';
import { CustomerRefInput } from '../modules/customers/customer.inputs';

let built: GraphQLSchema | undefined;

/** The schema, built once per process from the decorated resolvers of every module. */
export function buildOmniSchema(): GraphQLSchema {
  built ??= buildSchemaSync({
    resolvers: allResolvers as [Function, ...Function[]],
    authChecker,
    authMode: 'error',
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // Shared shapes of the contract that later modules use; kept in the schema from the start.
    orphanedTypes: [Money, MoneyInput, CustomerRefInput],
    emitSchemaFile: false,
  });
  return built;
}
