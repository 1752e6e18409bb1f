import fs from 'node:fs';
import path from 'node:path';

const MODULES_DIR = path.join(__dirname, '..', 'src', 'modules');

/** The roles of layer files (docs/architecture.md, "Names of files and classes"). */
const ROLES = new Set(['entity', 'enums', 'errors', 'type', 'model', 'inputs', 'payloads', 'service', 'resolver', 'fields', 'loaders', 'timeline', 'reads']);
/** Subjects that end in "s" without being plurals. */
const NOT_PLURAL = new Set(['analytics']);

/** What is wrong with the name of a file of a module folder, or undefined when it follows the rule. */
function fileNameProblem(file: string): string | undefined {
  if (file === 'index.ts') return undefined;
  const layer = /^([a-z]+(?:-[a-z]+)*)\.([a-z]+)\.ts$/.exec(file);
  if (!layer) return /^[a-z]+(?:-[a-z]+)*\.ts$/.test(file) ? undefined : 'neither <subject>.<role>.ts nor a kebab-case name';
  const [, subject, role] = layer;
  if (!ROLES.has(role)) return `"${role}" is not a role`;
  const first = subject.split('-')[0];
  if (first.endsWith('s') && !NOT_PLURAL.has(first)) return `the subject "${first}" is plural`;
  return undefined;
}

function pascal(subject: string): string {
  return subject
    .split('-')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

/** Every file of every module folder, as "<module>/<file>". */
function moduleFiles(): string[] {
  return fs
    .readdirSync(MODULES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => fs.readdirSync(path.join(MODULES_DIR, entry.name)).map((file) => `${entry.name}/${file}`));
}

describe('names of files and classes follow one rule', () => {
  it('every file of src/modules/<module>/ is <singular subject>.<role>.ts or a kebab-case name', () => {
    const problems = moduleFiles().flatMap((file) => {
      const problem = fileNameProblem(path.basename(file));
      return problem ? [`${file}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('the rule refuses the names it replaced', () => {
    expect(['orders.service.ts', 'offers.resolver.ts', 'timeline.sources.ts', 'identity.normalize.ts', 'duplicates.service.ts'].map(fileNameProblem)).toEqual([
      'the subject "orders" is plural',
      'the subject "offers" is plural',
      '"sources" is not a role',
      '"normalize" is not a role',
      'the subject "duplicates" is plural',
    ]);
    expect(['order.service.ts', 'customer-duplicates.service.ts', 'analytics.resolver.ts', 'event-hub.ts'].map(fileNameProblem)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('a resolver class is named after its file: OrderResolver in order.resolver.ts', () => {
    const problems = moduleFiles()
      .filter((file) => file.endsWith('.resolver.ts'))
      .flatMap((file) => {
        const expected = `${pascal(path.basename(file, '.resolver.ts'))}Resolver`;
        const classes = [...fs.readFileSync(path.join(MODULES_DIR, file), 'utf8').matchAll(/export class (\w+Resolver)\b/g)].map((match) => match[1]);
        return classes.filter((name) => name !== expected).map((name) => `${file}: ${name}, expected ${expected}`);
      });
    expect(problems).toEqual([]);
  });
});
