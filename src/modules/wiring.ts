import { installCustomerData, installCustomerIdentifiedHooks } from '../common/customer-data';
import type { NodeTypeName } from '../common/ids';
import { installNodeTypes, type NodeFetcher } from '../common/node';
import { installTimelineSources } from '../common/timeline';
import { installReadGraph, readGraphWith } from '../read-planner';
import type { OmniModule } from './module';

/** One contribution with the key no other module may declare too, and the module that declared it. */
interface Keyed<T, K extends string = string> {
  key: K;
  value: T;
  module: string;
}

/** The contributions of every module, in the modules' order; two modules declaring one key is a bug. */
function unique<T, K extends string>(what: string, entries: Keyed<T, K>[]): Keyed<T, K>[] {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const first = seen.get(entry.key);
    if (first !== undefined) throw new Error(`${what} "${entry.key}" is declared by the modules ${first} and ${entry.module}`);
    seen.set(entry.key, entry.module);
  }
  return entries;
}

function keyed<T, K extends string = string>(modules: readonly OmniModule[], pick: (module: OmniModule) => [K, T][]): Keyed<T, K>[] {
  return modules.flatMap((module) => pick(module).map(([key, value]) => ({ key, value, module: module.name })));
}

function nodeTypesOf(module: OmniModule): [NodeTypeName, NodeFetcher][] {
  return Object.entries(module.nodeTypes ?? {}) as [NodeTypeName, NodeFetcher][];
}

/**
 * Installs what the modules declare (node types, customer data, identification hooks, timeline
 * sources, the keys they add to the read graph) into the registries the shared code reads. Called at start by
 * createServer and the seed CLI, before any request. Idempotent: each call replaces the registries
 * with exactly what `modules` declare, so building a second server in one process changes nothing.
 */
export function wireModules(modules: readonly OmniModule[]): void {
  const nodeTypes = unique('node type', keyed(modules, nodeTypesOf));
  const customerData = unique(
    'customer data',
    keyed(modules, (module) => (module.customerData ?? []).map((owner) => [owner.name, owner])),
  );
  const timeline = unique(
    'timeline kind',
    keyed(modules, (module) => (module.timelineSources ?? []).map((source) => [source.kind, source])),
  );
  // Refuses a key or a field two modules (or a module and the planner) declare, before anything is replaced.
  const readGraph = readGraphWith(modules.flatMap((module) => module.reads ?? []));
  // First: it refuses a kind the schema does not know, before anything else is replaced.
  installTimelineSources(timeline.map(({ value }) => value));
  installNodeTypes(new Map(nodeTypes.map(({ key, value }) => [key, value])));
  installCustomerData(customerData.map(({ value }) => value));
  installCustomerIdentifiedHooks(modules.flatMap((module) => module.customerIdentifiedHooks ?? []));
  installReadGraph(readGraph);
}
