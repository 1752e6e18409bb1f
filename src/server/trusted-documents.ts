import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RoleName } from '../config/roles';

/**
 * The allow-list: sha256 (lower-case hex) of a document's exact text -> that text. Roles listed in
 * `roles` may run only these documents; every other role may still use the hashes as persisted queries.
 */
export interface TrustedDocuments {
  /** Where the manifest was read from (for logs and docs). */
  path: string;
  documents: ReadonlyMap<string, string>;
  roles: readonly RoleName[];
}

/** What a GraphQL request says about its document, on either transport. */
export interface DocumentRequest {
  query?: unknown;
  extensions?: unknown;
}

export class TrustedDocumentsManifestError extends Error {}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Reads a manifest: either `{ "<sha256hex>": "<document>" }`, or Apollo's persisted query manifest
 * (`{ format: "apollo-persisted-query-manifest", operations: [{ id, body }] }`). Every hash is checked
 * against its text, so a typo cannot let an unlisted document through.
 */
export function loadTrustedDocuments(path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrustedDocumentsManifestError(`cannot be read as JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TrustedDocumentsManifestError('must be a JSON object {sha256hex: documentText}');
  }
  const record = parsed as Record<string, unknown>;
  const entries: [string, unknown][] = record.format === 'apollo-persisted-query-manifest' && Array.isArray(record.operations)
    ? (record.operations as { id?: unknown; body?: unknown }[]).map((operation) => [String(operation.id), operation.body])
    : Object.entries(record);
  const documents = new Map<string, string>();
  for (const [hash, text] of entries) {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new TrustedDocumentsManifestError(`has a key that is no lower-case sha256 hex: "${hash.slice(0, 80)}"`);
    if (typeof text !== 'string' || text.trim() === '') throw new TrustedDocumentsManifestError(`entry ${hash} must be the document's text`);
    if (sha256Hex(text) !== hash) throw new TrustedDocumentsManifestError(`entry ${hash} is not the sha256 of its document`);
    documents.set(hash, text);
  }
  return documents;
}

function persistedQueryHash(extensions: unknown): string | undefined {
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

function persistedQueryNotFound(): GraphQLError {
  // Apollo clients recognise this message and code and retry with the full text.
  return new GraphQLError('PersistedQueryNotFound', {
    extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 200 } },
  });
}

function trustedDocumentRequired(): GraphQLError {
  return new GraphQLError(
    'Your role may run only trusted documents: send a document whose sha256 is in the server\'s manifest (its full text, or extensions.persistedQuery.sha256Hash).',
    { extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED', http: { status: 403 } } },
  );
}

/**
 * The document a request may run, for a role: the text it sent, or the manifest's text for a
 * `persistedQuery` hash. Throws PERSISTED_QUERY_NOT_FOUND (a hash without text that the manifest does
 * not hold) or TRUSTED_DOCUMENT_REQUIRED (a text that is not in the manifest) for restricted roles.
 * Unrestricted roles get the manifest's text for a known hash and their own text otherwise.
 */
export function resolveTrustedDocument(trusted: TrustedDocuments | undefined, role: string | undefined, request: DocumentRequest): string | undefined {
  const text = typeof request.query === 'string' && request.query !== '' ? request.query : undefined;
  const hash = persistedQueryHash(request.extensions);
  const known = hash !== undefined ? trusted?.documents.get(hash) : undefined;
  const restricted = trusted !== undefined && role !== undefined && (trusted.roles as readonly string[]).includes(role);
  if (!restricted) return text ?? known;
  if (text === undefined) {
    if (known !== undefined) return known;
    throw hash !== undefined ? persistedQueryNotFound() : trustedDocumentRequired();
  }
  const textHash = sha256Hex(text);
  if ((hash !== undefined && hash !== textHash) || !trusted.documents.has(textHash)) throw trustedDocumentRequired();
  return text;
}

/**
 * WebSocket: the text to run for a subscribe message. graphql-ws has no persisted-query cache, so a hash
 * the manifest does not hold is PERSISTED_QUERY_NOT_FOUND for every role.
 */
export function resolveWsDocument(trusted: TrustedDocuments | undefined, role: string | undefined, payload: { query: string; extensions?: unknown }): string {
  const resolved = resolveTrustedDocument(trusted, role, payload);
  if (resolved !== undefined) return resolved;
  if (persistedQueryHash(payload.extensions) !== undefined) throw persistedQueryNotFound();
  return payload.query;
}

/**
 * HTTP: a request that names a manifest hash without its text gets the manifest's text before Apollo
 * looks for it (Apollo's own persisted-query cache would not know it). Refusals happen earlier, in the
 * context function, where a thrown coded error becomes a proper response.
 */
export function trustedDocumentsPlugin<C extends object>(trusted: TrustedDocuments | undefined): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ request }) {
      if (!trusted || request.query) return;
      const hash = persistedQueryHash(request.extensions);
      const known = hash !== undefined ? trusted.documents.get(hash) : undefined;
      if (known !== undefined) request.query = known;
    },
  };
}

/** The document parts of an HTTP request: the JSON body for POST, the query string for GET. */
export function documentRequestOf(method: string, body: unknown, query: Record<string, unknown>): DocumentRequest {
  if (method !== 'GET') return (typeof body === 'object' && body !== null ? body : {}) as DocumentRequest;
  let extensions: unknown;
  if (typeof query.extensions === 'string') {
    try {
      extensions = JSON.parse(query.extensions);
    } catch {
      extensions = undefined; // Apollo answers the malformed parameter itself
    }
  }
  return { query: query.query, extensions };
}
