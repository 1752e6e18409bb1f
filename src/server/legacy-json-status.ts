import type { ApolloServerPlugin } from '@apollo/server';

/** Request errors: the document or its variables were refused before anything ran. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COMPLEX',
]);

/** True when the client asked for `application/json` only, the legacy media type of GraphQL over HTTP. */
function asksLegacyJson(accept: string | undefined): boolean {
  if (!accept) return false; // no preference: keep the 4xx that clients of this API already expect
  const types = accept
    .toLowerCase()
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((piece) => piece.trim());
      const q = params.find((param) => param.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1 };
    });
  return (
    types.some(({ type, q }) => type === 'application/json' && q > 0) && !types.some(({ type, q }) => type === 'application/graphql-response+json' && q > 0)
  );
}

/**
 * GraphQL over HTTP: a server answering `application/json` SHOULD use 200 for GraphQL request errors
 * (parse, validation, variable coercion), since a legacy client cannot tell a 4xx from a proxy's. Apollo
 * answers 400 whatever the media type; for a client that explicitly accepts only `application/json`,
 * such an answer becomes 200 (its body, `errors` and no `data`, says it all). Clients that accept
 * `application/graphql-response+json` (Apollo Client, urql) or send no Accept keep the 400.
 * Authentication, authorization, rate limits and method errors keep their status everywhere.
 */
export function legacyJsonStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      if (!asksLegacyJson(request.http?.headers.get('accept'))) return;
      return {
        async willSendResponse({ response }) {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if ('data' in result || !result.errors?.length) return;
          if (result.errors.every((error) => REQUEST_ERROR_CODES.has(error.extensions?.code as string))) response.http.status = 200;
        },
      };
    },
  };
}
