import fs from 'node:fs';
import path from 'node:path';
import { importsOf } from '../scripts/import-cycles';

const MODULES_DIR = path.join(__dirname, '..', 'src', 'modules');

/** What only the GraphQL layer may import: the libraries, and a module's input, payload, resolver and field files. */
const GRAPHQL_ONLY = /^(graphql|type-graphql|graphql-scalars)$|\.(inputs|payloads|resolver|fields)$/;

/** Every service and model file of src/modules, relative to it. */
function serviceFiles(): string[] {
  return fs
    .readdirSync(MODULES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => fs.readdirSync(path.join(MODULES_DIR, entry.name)).map((file) => path.join(entry.name, file)))
    .filter((file) => /\.(service|model)\.ts$/.test(file));
}

/** Imports of `file` (packages by name, project files by specifier, type-only too) that only the GraphQL layer may have. */
function graphqlImports(file: string): string[] {
  return importsOf(path.join(MODULES_DIR, file)).filter((specifier) => GRAPHQL_ONLY.test(specifier));
}

/**
 * Services take plain typed inputs (the `*.model.ts` interfaces that the GraphQL input types implement)
 * and throw domain errors (DomainError, InvalidArgumentError); the GraphQL layer (resolvers, payloads,
 * formatError) maps them. So no service or model imports GraphQL, an input type or a resolver.
 */
describe('services are free of the GraphQL layer', () => {
  it('finds the services', () => {
    expect(serviceFiles().length).toBeGreaterThan(10);
  });

  it('no service or model file imports graphql, type-graphql or a module input, payload, resolver or field file', () => {
    expect(serviceFiles().flatMap((file) => graphqlImports(file).map((specifier) => `${file}: ${specifier}`))).toEqual([]);
  });
});
