import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Principal } from '../common/auth';
import type { Config } from '../config/config';
import { enforceBreadth, enforceLimits, isTokenLimitError, tooComplex } from './limits';
import { operationResolutionError } from './operation-resolution';
import { checkRolePolicy } from './role-policy';

/**
 * What preparing a text gave: the parsed and validated document, or the errors to answer (coded
 * GRAPHQL_PARSE_FAILED, QUERY_TOO_COMPLEX or GRAPHQL_VALIDATION_FAILED), never both.
 */
export type PreparedDocument =
  { readonly document: DocumentNode; readonly errors?: undefined } | { readonly document?: undefined; readonly errors: readonly GraphQLError[] };

export type PreparationConfig = Pick<Config, 'limits' | 'introspection' | 'fieldSuggestions'>;

/** How much the preparer remembers: texts by count and by total length (a text may be up to 1 MiB). */
const KEPT_DOCUMENTS = 1_000;
const KEPT_CHARS = 8 * 1024 * 1024;

/**
 * Like Apollo's rule: one error per `__schema` / `__type` field (`__typename` stays allowed), with
 * Apollo's `validationErrorCode`, which HTTP clients got from Apollo's own rule.
 */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(
        new GraphQLError('GraphQL introspection is not allowed on this server (OMNI360_INTROSPECTION=false), but the query contained __schema or __type.', {
          nodes: [node],
          extensions: { validationErrorCode: 'INTROSPECTION_DISABLED' },
        }),
      );
    }
  },
});

/** A validation message without its " Did you mean ...?" hint (Apollo's wording for hidden suggestions). */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}

/**
 * The preparation step of the request pipeline, the one every transport runs before execution: HTTP
 * (both stacks, through Apollo: apollo-preparation.ts), graphql-ws (onSubscribe in app.ts) and webhooks
 * (modules/webhooks/webhook-execution.ts). Built once per server (`preparerFor`).
 *
 * `document(text)`: parse with the token limit, the breadth limit (before validation, whose time grows
 * with the square of a selection set's width), then validation with one rule list (graphql-js's rules,
 * plus the introspection rule when OMNI360_INTROSPECTION is off; suggestions stripped when
 * OMNI360_FIELD_SUGGESTIONS is off). The outcome, success or errors, is remembered by text: a client
 * repeats the same few documents, so the common case is one Map lookup, and the same text gives the same
 * DocumentNode on every transport (the key of graphql-jit's compiled queries, compiled-execution.ts).
 *
 * `operation(...)`: what depends on the request beyond its text: the operation the name picks, the
 * depth, cost, alias and directive limits (with the variables: `first: $n`), and the role policy.
 */
export class OperationPreparer {
  private readonly rules: readonly ValidationRule[];
  private readonly prepared = new Map<string, PreparedDocument>();
  private preparedChars = 0;

  constructor(
    readonly schema: GraphQLSchema,
    private readonly config: PreparationConfig,
  ) {
    this.rules = config.introspection ? specifiedRules : [...specifiedRules, noIntrospection];
  }

  document(text: string): PreparedDocument {
    const known = this.prepared.get(text);
    if (known) return known;
    const outcome = this.prepare(text);
    // First in, first out: a hot text that falls out is prepared again on its next request.
    if (this.prepared.size >= KEPT_DOCUMENTS || this.preparedChars + text.length > KEPT_CHARS) {
      for (const old of this.prepared.keys()) {
        this.prepared.delete(old);
        this.preparedChars -= old.length;
        if (this.prepared.size < KEPT_DOCUMENTS && this.preparedChars + text.length <= KEPT_CHARS) break;
      }
    }
    if (text.length <= KEPT_CHARS) {
      this.prepared.set(text, outcome);
      this.preparedChars += text.length;
    }
    return outcome;
  }

  /** The errors refusing this operation of a prepared document, or undefined when it may run. */
  operation(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
    principal: Principal | undefined,
  ): readonly GraphQLError[] | undefined {
    const unresolved = operationResolutionError(document, operationName);
    if (unresolved) return [unresolved];
    try {
      enforceLimits(this.config.limits, document, operationName, variables);
    } catch (error) {
      return [error as GraphQLError];
    }
    const refused = checkRolePolicy(this.schema, document, principal, variables);
    return refused ? [refused] : undefined;
  }

  private prepare(text: string): PreparedDocument {
    const limits = this.config.limits;
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens: limits.maxTokens });
    } catch (error) {
      if (isTokenLimitError(error)) return { errors: [tooComplex((error as GraphQLError).message.replace(/^Syntax Error: /, ''))] };
      const syntax = error instanceof GraphQLError ? error : undefined;
      return {
        errors: [
          new GraphQLError(syntax?.message ?? 'Malformed document', {
            source: syntax?.source,
            positions: syntax?.positions,
            extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
          }),
        ],
      };
    }
    try {
      enforceBreadth(limits, document);
    } catch (error) {
      return { errors: [error as GraphQLError] };
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length === 0) return { document };
    return {
      errors: errors.map(
        (error) =>
          new GraphQLError(this.config.fieldSuggestions ? error.message : withoutSuggestions(error.message), {
            nodes: error.nodes,
            extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
          }),
      ),
    };
  }
}

/**
 * The preparer of a server: one per server configuration (the object createServer gets, which its
 * AppState and so its webhooks carry), so that HTTP, WebSocket and webhooks share one preparer and one
 * cache without it being passed through the modules that run documents. Keyed by the configuration,
 * not the schema: the schema is built once per process and servers of one process (tests) may differ
 * in limits, introspection and suggestions.
 */
const preparers = new WeakMap<PreparationConfig, OperationPreparer>();

export function preparerFor(schema: GraphQLSchema, config: PreparationConfig): OperationPreparer {
  let preparer = preparers.get(config);
  if (preparer?.schema !== schema) {
    preparer = new OperationPreparer(schema, config);
    preparers.set(config, preparer);
  }
  return preparer;
}
