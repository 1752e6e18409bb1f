import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** The names of the environment variables a file reads through its `(env, 'NAME'...)` helpers. */
function variablesReadBy(file: string): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return new Set([...text.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)].map((match) => match[1]));
}

/** The variables of the README's configuration table: one row each, named in its first column. */
function documentedVariables(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1]);
}

/** Every variable the configuration reads has a row in the README's table, and every row is read. */
describe('README configuration table', () => {
  const read = new Set([...variablesReadBy('src/config/config.ts'), ...variablesReadBy('src/observability/tracing-settings.ts')]);
  const documented = documentedVariables();

  it('finds the variables on both sides (the patterns still match the code and the README)', () => {
    expect(read.size).toBeGreaterThan(40);
    expect(documented.length).toBeGreaterThan(40);
  });

  it('lists every variable src/config/config.ts reads', () => {
    expect([...read].filter((name) => !documented.includes(name)).sort()).toEqual([]);
  });

  it('lists no variable the configuration does not read, and none twice', () => {
    expect(documented.filter((name) => !read.has(name))).toEqual([]);
    expect(documented.filter((name, index) => documented.indexOf(name) !== index)).toEqual([]);
  });
});
