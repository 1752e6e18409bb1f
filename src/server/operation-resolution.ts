import { getOperationAST, GraphQLError, type DocumentNode } from 'graphql';

/**
 * The error for a document whose operation cannot be picked: graphql-js's own wording (`Unknown
 * operation named "X".`, or the missing name among several), coded OPERATION_RESOLUTION_FAILURE as
 * Apollo codes it, answered by the preparation of every transport (OperationPreparer.operation).
 * Undefined when the operation is found.
 */
export function operationResolutionError(document: DocumentNode, operationName: string | null | undefined): GraphQLError | undefined {
  if (getOperationAST(document, operationName)) return undefined;
  const operations = document.definitions.filter((definition) => definition.kind === 'OperationDefinition');
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : operations.length === 0
      ? 'Must provide an operation.'
      : 'Must provide operation name if query contains multiple operations.';
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
}
