import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The README's codegen recipe for partners, run as written (issue 14, point 5): its install line pins
 * plugin majors, which must be the ones installed here; its codegen.yml, copied from the README, runs
 * from a scratch folder against schema/schema.graphql with the example operations, and the output
 * type-checks together with a consumer that uses it the way the README says clients do.
 */
const ROOT = path.resolve(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function block(language: string, containing: string): string {
  const found = [...README.matchAll(new RegExp('```' + language + '\\n([^]*?)```', 'g'))].map((match) => match[1]).find((text) => text.includes(containing));
  if (!found) throw new Error(`README has no ${language} block containing ${containing}`);
  return found;
}

describe('the README codegen recipe', () => {
  it('pins the plugin majors installed and tested here', () => {
    const install = block('bash', '@graphql-codegen/cli@')
      .split('\n')
      .find((line) => line.startsWith('npm install'))!;
    const pins = [...install.matchAll(/(@?[\w./-]+)@(\d+)(?=\s|$)/g)].map((match) => [match[1], Number(match[2])] as const);
    expect(pins.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        '@graphql-codegen/cli',
        '@graphql-codegen/typescript',
        '@graphql-codegen/typescript-operations',
        '@graphql-codegen/typed-document-node',
      ]),
    );
    for (const [name, major] of pins) {
      const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
      expect({ name, major: Number(installed.split('.')[0]) }).toEqual({ name, major });
    }
  });

  it('generates a client from schema/schema.graphql in a scratch folder that type-checks', () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-codegen-'));
    try {
      fs.writeFileSync(path.join(scratch, 'codegen.yml'), block('yaml', 'typed-document-node'));
      fs.copyFileSync(path.join(ROOT, 'schema/schema.graphql'), path.join(scratch, 'omni360.graphql'));
      fs.mkdirSync(path.join(scratch, 'src/graphql'), { recursive: true });
      for (const file of fs.readdirSync(path.join(ROOT, 'examples/operations'))) {
        fs.copyFileSync(path.join(ROOT, 'examples/operations', file), path.join(scratch, 'src/graphql', file));
      }
      // The packages the install line names, as installed here.
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/@graphql-codegen/cli/cjs/bin.js'), '--config', 'codegen.yml'], {
        cwd: scratch,
        stdio: 'pipe',
      });
      expect(fs.readFileSync(path.join(scratch, 'src/graphql/generated.ts'), 'utf8')).toMatch(
        /export const Customer360Document = .* as unknown as DocumentNode<Customer360Query, Customer360QueryVariables>;/,
      );
      fs.writeFileSync(path.join(scratch, 'src/consumer.ts'), CONSUMER);
      fs.writeFileSync(
        path.join(scratch, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'es2022',
            module: 'commonjs',
            moduleResolution: 'node',
            esModuleInterop: true,
            skipLibCheck: true,
            types: [],
          },
          include: ['src/**/*.ts'],
        }),
      );
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: scratch, stdio: 'pipe' });
      } catch (error) {
        throw new Error(`the generated client does not compile:\n${(error as { stdout?: Buffer }).stdout?.toString()}`);
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});

/** How the README says clients use the output: typed by the document; graphql-ws by string and type argument. */
const CONSUMER = `
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { Client as UrqlClient, fetchExchange } from '@urql/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { Customer360Document, InteractionAddedDocument, type InteractionAddedSubscription } from './graphql/generated';

export async function apollo(): Promise<string | undefined> {
  const client = new ApolloClient({ link: new HttpLink({ uri: 'http://localhost:4000/graphql' }), cache: new InMemoryCache() });
  const { data } = await client.query({ query: Customer360Document, variables: { id: 'cus_1' } });
  // @ts-expect-error the variables are checked against the document
  await client.query({ query: Customer360Document, variables: { id: 1 } });
  return data?.customer?.displayName;
}

export async function urql(): Promise<number | undefined> {
  const client = new UrqlClient({ url: 'http://localhost:4000/graphql', exchanges: [fetchExchange] });
  const result = await client.query(Customer360Document, { id: 'cus_1' }).toPromise();
  return result.data?.customer?.stats.orderCount;
}

export function ws(): void {
  const client = createClient({ url: 'ws://localhost:4000/graphql' });
  client.subscribe<InteractionAddedSubscription>({ query: print(InteractionAddedDocument), variables: { after: null } }, {
    next: (result) => void result.data?.interactionAdded.cursor.toUpperCase(),
    error: () => undefined,
    complete: () => undefined,
  });
  // @ts-expect-error graphql-ws takes the query as a string, not a document
  client.subscribe({ query: InteractionAddedDocument }, { next: () => undefined, error: () => undefined, complete: () => undefined });
}
`;
