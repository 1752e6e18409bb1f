/**
 * Finds import cycles among the project's own files (relative imports, `export ... from`, `require()`
 * and `import()` with a literal path). Type-only imports count too: they vanish at run time, but a
 * cycle through types still ties two modules together so that neither can change alone.
 *
 * Two checks: no cycle between files, and none between the domain modules of src/modules (a module
 * is its folder). `npm run lint` runs it (`scripts/import-cycles.ts src test bench scripts`);
 * test/import-cycles.test.ts pins it.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Every .ts file under `root`, as absolute paths: the project's own, so installed packages
 * (node_modules) and tool folders (dot-folders such as bench/.postgraphile) are left out.
 */
function sourceFiles(root: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) files.push(...sourceFiles(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

/** The file a relative specifier names (`./x` as x.ts or x/index.ts), or undefined for a package. */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The relative specifiers `file` imports, re-exports or requires. */
export function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/**
 * The import cycles among the files under `root`: one per strongly connected component of the import
 * graph (Tarjan), each given as one closed path through it, paths relative to `root`. With `unitOf`,
 * the graph is the one between units (a file's module, say): imports inside one unit, and files of no
 * unit (undefined), do not count.
 */
export function findImportCycles(root: string, unitOf: (file: string) => string | undefined = (file) => file): string[][] {
  const base = path.resolve(root);
  const edges = new Map<string, string[]>();
  for (const file of sourceFiles(base)) {
    const from = unitOf(path.relative(base, file));
    if (from === undefined) continue;
    const targets = importsOf(file)
      .map((specifier) => resolve(file, specifier))
      .filter((target): target is string => target !== undefined);
    const units = targets.map((target) => unitOf(path.relative(base, target))).filter((unit): unit is string => unit !== undefined && unit !== from);
    edges.set(from, [...new Set([...(edges.get(from) ?? []), ...units])]);
  }
  const files = [...edges.keys()];

  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (edges.get(file) ?? []).includes(file)) components.push(component);
    }
  };
  for (const file of files) if (!index.has(file)) connect(file);

  return components.map((component) => closedPath(component, edges)).sort((a, b) => a[0].localeCompare(b[0]));
}

/** A shortest closed path from the component's first file (sorted) back to itself, within the component. */
function closedPath(component: string[], edges: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of edges.get(file) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const route = [start];
        for (let at = file; at !== start; at = previous.get(at)!) route.splice(1, 0, at);
        return [...route, start];
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/**
 * The domain module a file of src/ belongs to (`modules/orders`), or undefined outside one. Modules may
 * depend on each other (orders on customers, every module on the event log), but never in a circle.
 */
export function moduleOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  return parts[0] === 'modules' && parts.length > 2 ? `modules/${parts[1]}` : undefined;
}

if (require.main === module) {
  const roots = process.argv.slice(2);
  let found = 0;
  for (const root of roots.length > 0 ? roots : ['src']) {
    for (const [level, cycles] of [
      ['files', findImportCycles(root)],
      ['modules', findImportCycles(root, moduleOf)],
    ] as const) {
      for (const cycle of cycles) {
        found += 1;
        console.error(`import cycle between ${level} of ${root}: ${cycle.join(' -> ')}`);
      }
    }
  }
  if (found > 0) {
    console.error(`${found} import cycle(s): break each (move the shared part to a module both may import, or pass it in).`);
    process.exit(1);
  }
}
