import { HeaderMap, type ApolloServerPlugin, type DocumentStore } from '@apollo/server';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { Context } from '../context/context';
import type { OperationPreparer, PreparedDocument } from './operation-preparation';
import type { OperationLog } from './operation-pipeline';

/**
 * What Apollo is handed for a text whose preparation failed: a valid document that never runs (the
 * plugin answers the preparation's errors in `responseForOperation`, before execution).
 */
const REFUSED: DocumentNode = parse('{ __typename }');

/** Hashes between didResolveSource and Apollo's read of the store: only a leak could make this many. */
const MAX_WAITING = 10_000;

/**
 * Apollo's document store, answered from the preparer. Apollo reads it right after the plugins'
 * `didResolveSource` with the key `<schema hash>:<queryHash>`, and when it holds a document Apollo
 * neither parses nor validates (it keeps a document it parsed itself, which never happens here, with
 * `set`). The plugin (below) prepares the source in didResolveSource and leaves the outcome here under
 * the query hash until Apollo reads it: an entry lives only between those two steps of a request
 * (counted, for concurrent requests of one text), so none is evicted while a request waits for it.
 */
class PreparedDocumentStore implements DocumentStore {
  private readonly waiting = new Map<string, { prepared: PreparedDocument; readers: number }>();

  /**
   * Leaves `prepared` for Apollo's read of `queryHash`; returns what that read will give (a concurrent
   * request of the same text may have left its outcome first: the same text, so the same verdict).
   */
  expect(queryHash: string, prepared: PreparedDocument): PreparedDocument {
    const entry = this.waiting.get(queryHash);
    if (entry) {
      entry.readers++;
      return entry.prepared;
    }
    // An entry not read back (another plugin's didResolveSource threw) would stay: never let them pile up.
    if (this.waiting.size >= MAX_WAITING) this.waiting.clear();
    this.waiting.set(queryHash, { prepared, readers: 1 });
    return prepared;
  }

  async get(key: string): Promise<DocumentNode> {
    const queryHash = key.slice(key.indexOf(':') + 1);
    const entry = this.waiting.get(queryHash);
    // Unknown: the plugin sees that the document is not the one it prepared and fails the request.
    if (!entry) return REFUSED;
    if (--entry.readers === 0) this.waiting.delete(queryHash);
    return entry.prepared.document ?? REFUSED;
  }

  async set(): Promise<void> {}

  async delete(): Promise<void> {}
}

/** The status of a refusal: the first error's own (403 for the role policy), else 400 as for any request error. */
function statusOf(errors: readonly GraphQLError[]): number {
  return (errors[0].extensions.http as { status?: number } | undefined)?.status ?? 400;
}

/**
 * HTTP's preparation (both stacks go through Apollo Server), the same as graphql-ws's and webhooks':
 * Apollo's own parse and validation are replaced, through two public options, by the one preparer.
 *
 * - `documentStore` (a KeyValueCache<DocumentNode>, option `documentStore`): Apollo skips parsing and
 *   validation when it returns a document; it returns the preparer's (the same DocumentNode WebSocket
 *   gets for the same text, so graphql-jit compiles it once), or a placeholder when preparation failed.
 * - `plugin`: `didResolveSource` prepares the text (a Map lookup for a known one); `didResolveOperation`
 *   runs the operation's part of the preparation (operation name, limits, role policy: the same call
 *   as onSubscribe) unless the document was refused; `responseForOperation` answers a refusal before
 *   execution, its errors formatted and logged through the shared OperationLog with the request id
 *   (the logging plugin writes the request's one line; Apollo's `didEncounterErrors` does not run for
 *   a plugin's response). Status 400, or a refusal's own status (403 for the role policy).
 *
 * Apollo's parse options, validation rules, introspection setting and suggestion hiding are therefore
 * unused: the preparer's configuration is the only one.
 */
export function apolloPreparation(
  preparer: OperationPreparer,
  operations: OperationLog,
  suggestions: boolean,
): {
  documentStore: DocumentStore;
  plugin: ApolloServerPlugin<Context>;
} {
  const documentStore = new PreparedDocumentStore();
  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      let prepared: PreparedDocument | undefined;
      let refused: readonly GraphQLError[] | undefined;
      return {
        async didResolveSource({ source, queryHash }) {
          prepared = documentStore.expect(queryHash, preparer.document(source));
        },
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (prepared?.errors) {
            refused = prepared.errors;
            return;
          }
          // Never run a document the preparer did not pass (the store did not know the hash).
          if (!prepared || document !== prepared.document) throw new Error('Apollo resolved a document the preparer did not prepare');
          if (operation?.operation === 'subscription') {
            refused = [
              new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at this same URL, not over HTTP.', {
                extensions: { code: 'BAD_REQUEST' },
              }),
            ];
            return;
          }
          refused = preparer.operation(document, request.operationName, request.variables, contextValue.principal);
        },
        async responseForOperation({ contextValue }) {
          if (!refused) return null;
          return {
            http: { status: statusOf(refused), headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { errors: operations.formatErrors(refused, contextValue.requestId, suggestions) } },
          };
        },
      };
    },
  };
  return { documentStore, plugin };
}
