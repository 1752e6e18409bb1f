import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config/config';

/** The hardening settings: defaults, production defaults, and a manifest that is checked at start-up. */

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-config-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function manifest(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('hardening settings', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      requestTimeoutMs: 30_000,
      fieldSuggestions: true,
      dbStatementTimeoutMs: 15_000,
      websocket: { maxSubscriptions: 50, maxBufferedBytes: 4 * 1024 * 1024, keepAliveMs: 12_000 },
      rateLimit: { perSecond: 500, burst: 1_000 },
      limits: { maxDepth: 15, maxCost: 250_000, maxAliases: 30, maxDirectives: 20, maxTokens: 5_000 },
      trustedDocuments: undefined,
    });
  });

  it('turns field suggestions off in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).fieldSuggestions).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', OMNI360_FIELD_SUGGESTIONS: 'true' }).fieldSuggestions).toBe(true);
  });

  it('reads the limits from the environment', () => {
    expect(loadConfig({
      OMNI360_REQUEST_TIMEOUT_MS: '0', OMNI360_WS_MAX_SUBSCRIPTIONS: '5', OMNI360_WS_MAX_BUFFERED_BYTES: '1048576', OMNI360_WS_KEEPALIVE_MS: '30000',
    })).toMatchObject({ requestTimeoutMs: 0, websocket: { maxSubscriptions: 5, maxBufferedBytes: 1_048_576, keepAliveMs: 30_000 } });
    expect(configError({ OMNI360_WS_MAX_SUBSCRIPTIONS: '0' }).variable).toBe('OMNI360_WS_MAX_SUBSCRIPTIONS');
    expect(configError({ OMNI360_WS_MAX_BUFFERED_BYTES: '1000' }).variable).toBe('OMNI360_WS_MAX_BUFFERED_BYTES');
    expect(configError({ OMNI360_REQUEST_TIMEOUT_MS: 'soon' }).variable).toBe('OMNI360_REQUEST_TIMEOUT_MS');
  });

  it('loads a trusted-documents manifest, in either format, for PARTNER and ANALYST by default', () => {
    const text = '{ viewer { role } }';
    const plain = loadConfig({ OMNI360_TRUSTED_DOCUMENTS: manifest('plain.json', { [sha(text)]: text }) }).trustedDocuments!;
    expect([...plain.documents]).toEqual([[sha(text), text]]);
    expect(plain.roles).toEqual(['PARTNER', 'ANALYST']);
    const apollo = loadConfig({
      OMNI360_TRUSTED_DOCUMENTS: manifest('apollo.json', { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha(text), body: text, name: 'V', type: 'query' }] }),
      OMNI360_TRUSTED_DOCUMENTS_ROLES: 'partner, INGEST',
    }).trustedDocuments!;
    expect([...apollo.documents.keys()]).toEqual([sha(text)]);
    expect(apollo.roles).toEqual(['PARTNER', 'INGEST']);
  });

  it.each([
    ['a missing file', () => path.join(dir, 'missing.json'), /cannot be read/],
    ['not JSON', () => manifest('garbage.json', '{ nope'), /cannot be read as JSON/],
    ['an array', () => manifest('array.json', ['x']), /must be a JSON object/],
    ['a key that is no sha256', () => manifest('key.json', { abc: '{ viewer { role } }' }), /no lower-case sha256/],
    ['a hash that is not the document\'s', () => manifest('wrong.json', { [sha('{ a }')]: '{ viewer { role } }' }), /is not the sha256 of its document/],
  ])('refuses a manifest with %s, naming the variable', (_name, file, message) => {
    const error = configError({ OMNI360_TRUSTED_DOCUMENTS: file() });
    expect(error.variable).toBe('OMNI360_TRUSTED_DOCUMENTS');
    expect(error.message).toMatch(message);
  });

  it('refuses an unknown role for trusted documents', () => {
    expect(configError({ OMNI360_TRUSTED_DOCUMENTS_ROLES: 'PARTNER,GUEST' }).variable).toBe('OMNI360_TRUSTED_DOCUMENTS_ROLES');
  });
});
