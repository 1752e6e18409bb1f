import { GraphQLInterfaceType, GraphQLSchema } from 'graphql';
import { resolveNodeType } from '../common/node';
import { DateTimeScalar } from '../common/scalars';
import { buildSchemaSync, type PubSub } from 'type-graphql';
import { authChecker } from '../common/auth';
import { allResolvers } from '../modules';
import { Money, MoneyInput } from '../common/money';
import { CustomerRefInput } from '../modules/customers/customer.inputs';
import { bindFastResolvers } from './fast-resolvers';
import { bindWriterGuards } from './role-policy';
import { chargeTextFields } from './response-budget';

let built: GraphQLSchema | undefined;

const logOnlyPubSub: PubSub = {
  publish: () => {
    throw new Error('publish through appendEvents: subscriptions read the event log');
  },
  subscribe: () => {
    throw new Error('subscriptions read the event log');
  },
};

/** The schema, built once per process from the decorated resolvers of every module. */
export function buildOmniSchema(): GraphQLSchema {
  if (built) return built;
  built = buildSchemaSync({
    resolvers: allResolvers as [Function, ...Function[]],
    authChecker,
    authMode: 'error',
    // No globalMiddlewares: bindFastResolvers (below) calls most fields directly and would skip them.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // Shared shapes of the contract that later modules use; kept in the schema from the start.
    orphanedTypes: [Money, MoneyInput, CustomerRefInput],
    emitSchemaFile: false,
    // type-graphql insists on a PubSub once a @Subscription exists; ours never publish through it:
    // every subscription reads the durable event log (modules/events/event-hub.ts).
    pubSub: logOnlyPubSub,
  });
  bindFastResolvers(built);
  chargeTextFields(built);
  // Last: the writer check wraps the resolvers that will run, and stays the outermost wrapper, which
  // the compiled executor takes off for readers it cannot refuse (role-policy.ts).
  bindWriterGuards(built);
  // type-graphql wraps resolveType in an async function; the compiled executor (compiled-execution.ts),
  // like the spec, expects the type name synchronously, and the prefix of a node's id gives it.
  (built.getType('Node') as GraphQLInterfaceType).resolveType = resolveNodeType;
  return built;
}
