import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { customerDataOwners, customerIdentifiedHookCount } from '../src/common/customer-data';
import { servedNodeTypes } from '../src/common/node';
import type { Principal } from '../src/common/principal';
import { timelineSourcesFor } from '../src/common/timeline';
import { modules } from '../src/modules';
import type { OmniModule } from '../src/modules/module';
import { wireModules } from '../src/modules/wiring';
import { readTypes } from '../src/read-planner/read-types';
// The whole server, as main.ts loads it: nothing it imports may register a module's contribution.
import '../src/server/app';

const MODULES_DIR = path.join(__dirname, '..', 'src', 'modules');
const ADMIN: Principal = { role: 'ADMIN', name: 'wiring-test', via: 'api-key' };

/** `Type.key` of every computed key of the read graph now. */
function computedKeys(): string[] {
  return [...readTypes()].flatMap(([name, type]) => Object.keys(type.computed ?? {}).map((key) => `${name}.${key}`)).sort();
}
/** The planner's own, before any module is wired. */
const PLANNER_KEYS = new Set(computedKeys());

/** What the registries hold now, as comparable lists. */
function wired() {
  return {
    nodeTypes: servedNodeTypes().sort(),
    customerData: customerDataOwners().map((owner) => owner.name),
    identifiedHooks: customerIdentifiedHookCount(),
    timeline: timelineSourcesFor(ADMIN).map((source) => source.kind),
    reads: computedKeys().filter((key) => !PLANNER_KEYS.has(key)),
  };
}

/** What the modules list declares, in the same shape. */
function declared(list: readonly OmniModule[]) {
  return {
    nodeTypes: list.flatMap((module) => Object.keys(module.nodeTypes ?? {})).sort(),
    customerData: list.flatMap((module) => (module.customerData ?? []).map((owner) => owner.name)),
    identifiedHooks: list.flatMap((module) => module.customerIdentifiedHooks ?? []).length,
    timeline: list.flatMap((module) => (module.timelineSources ?? []).map((source) => source.kind)),
    reads: list.flatMap((module) => (module.reads ?? []).flatMap((read) => Object.keys(read.computed).map((key) => `${read.type}.${key}`))).sort(),
  };
}

/** Top-level statements of `file` that run code when it is imported (a call such as registerX(...)). */
function importTimeStatements(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  return source.statements.filter((statement) => ts.isExpressionStatement(statement)).map((statement) => statement.getText(source));
}

describe('module contributions: declared in each OmniModule, wired at start', () => {
  it('importing every module and the server registers nothing', () => {
    expect(wired()).toEqual({ nodeTypes: [], customerData: [], identifiedHooks: 0, timeline: [], reads: [] });
  });

  it('no module index file runs a statement when imported', () => {
    const indexes = fs.readdirSync(MODULES_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(indexes.length).toBe(modules.length);
    const found = indexes.flatMap((entry) => importTimeStatements(path.join(MODULES_DIR, entry.name, 'index.ts')).map((text) => `${entry.name}: ${text}`));
    expect(found).toEqual([]);
  });

  it('the static check finds a registration call', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-wiring-')), 'index.ts');
    fs.writeFileSync(file, `import { registerNodeType } from './node';\nconst x = 1;\nregisterNodeType('Order', x);\nexport const m = { x };\n`);
    expect(importTimeStatements(file)).toEqual([`registerNodeType('Order', x);`]);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('wireModules installs exactly what the modules declare, in their order, and again on a second call', () => {
    wireModules(modules);
    const first = wired();
    expect(first).toEqual(declared(modules));
    expect(first.nodeTypes.length).toBeGreaterThan(10);
    expect(first.customerData).toEqual([
      'identities',
      'consents',
      'events',
      'interactions',
      'conversations',
      'handovers',
      'offerResponses',
      'orders',
      'webhookDeliveries',
    ]);
    wireModules(modules);
    expect(wired()).toEqual(first);
  });

  it('refuses two modules declaring one contribution, and keeps what was wired', () => {
    wireModules(modules);
    const before = wired();
    const copy: OmniModule = { name: 'copy', entities: [], resolvers: [], customerData: [{ name: 'orders', table: 'order', customerColumn: 'customer_id' }] };
    expect(() => wireModules([...modules, copy])).toThrow('customer data "orders" is declared by the modules orders and copy');
    expect(wired()).toEqual(before);
  });

  it('refuses a key of the read graph declared twice, and keeps what was wired', () => {
    wireModules(modules);
    const before = wired();
    expect(before.reads).toEqual(['Customer.offerInputs', 'Customer.orderStatsParts', 'Customer.statsParts']);
    const copy: OmniModule = {
      name: 'copy',
      entities: [],
      resolvers: [],
      reads: [{ type: 'Customer', computed: { statsParts: () => 'null' }, reads: {}, prime: () => undefined }],
    };
    expect(() => wireModules([...modules, copy])).toThrow('read contribution to Customer: the key statsParts is declared twice');
    expect(wired()).toEqual(before);
  });

  it('refuses narrowed reads of a field the contribution does not declare, or of a key nobody computes', () => {
    wireModules(modules);
    const before = wired();
    const contribution = (narrowReads: Record<string, { only: string[]; keys: string[] }>, reads: Record<string, string[]> = {}): OmniModule => ({
      name: 'narrow',
      entities: [],
      resolvers: [],
      reads: [{ type: 'Customer', computed: { narrowKey: () => 'null' }, reads, narrowReads, prime: () => undefined }],
    });
    expect(() => wireModules([...modules, contribution({ badges: { only: ['gold'], keys: ['narrowKey'] } })])).toThrow(
      'read contribution to Customer: badges narrows reads it does not declare',
    );
    expect(() => wireModules([...modules, contribution({ badges: { only: ['gold'], keys: ['nowhere'] } }, { badges: ['narrowKey'] })])).toThrow(
      'read graph: Customer.badges reads nowhere, which is neither a row key nor computed',
    );
    expect(wired()).toEqual(before);
  });
});
