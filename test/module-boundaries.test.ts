import fs from 'node:fs';
import path from 'node:path';
import { importsOf } from '../scripts/import-cycles';

const MODULES_DIR = path.join(__dirname, '..', 'src', 'modules');

/**
 * What a module offers the others: its schema types and inputs, enums, error codes, plain models,
 * entities, loaders and services, by their role suffix. Its resolvers, field resolvers, payloads and
 * timeline sources are wired through its OmniModule and stay its own.
 */
const PUBLIC_ROLE = /\.(type|inputs|enums|errors|model|entity|loaders|service)$/;

/** Files without a public role that a module offers on purpose, and why. */
const PUBLIC_HELPERS: Record<string, string> = {
  'events/event-log': 'every module appends its events in its own transaction',
  'events/event-reader': 'subscriptions and webhooks read the log',
  'events/event-cursor': 'cursors of the log, for subscriptions and webhooks',
  'events/event-hub': 'the fan-out subscriptions and webhooks listen to',
  'events/log-subscription': 'subscriptions and webhooks follow the log the same way',
  'analytics/segments': 'offers target the segments analytics computes',
  'analytics/customer-stats.reads': 'offers decide on the figures analytics keeps',
  'customers/identity-normalization': 'orders normalise guest identities as customers do',
  'offers/offer-decision': 'orders price lines with the offers decision',
};

/** `<module>/<file>` for every import of another module's file by a file of src/modules. */
function crossModuleImports(): { from: string; to: string }[] {
  const found: { from: string; to: string }[] = [];
  for (const module of fs.readdirSync(MODULES_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const file of fs.readdirSync(path.join(MODULES_DIR, module.name)).filter((name) => name.endsWith('.ts'))) {
      for (const specifier of importsOf(path.join(MODULES_DIR, module.name, file))) {
        const match = /^\.\.\/([a-z-]+)\/([^/]+)$/.exec(specifier);
        if (match && match[1] !== module.name) found.push({ from: `${module.name}/${file}`, to: `${match[1]}/${match[2]}` });
      }
    }
  }
  return found;
}

describe('modules use each other through what they offer, never through their internals', () => {
  it('finds cross-module imports (the check has something to check)', () => {
    expect(crossModuleImports().length).toBeGreaterThan(30);
  });

  it('imports only public role files and the declared helpers of another module', () => {
    const internal = crossModuleImports().filter(({ to }) => !PUBLIC_ROLE.test(to) && !(to in PUBLIC_HELPERS));
    expect(internal.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it('declares no helper that nobody imports', () => {
    const used = new Set(crossModuleImports().map(({ to }) => to));
    expect(Object.keys(PUBLIC_HELPERS).filter((helper) => !used.has(helper))).toEqual([]);
  });
});
