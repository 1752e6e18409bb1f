import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config/config';

/** Configuration comes from the environment, parsed and validated once; a bad value names its variable. */

const ROOT = path.resolve(__dirname, '..');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has working defaults for a bare machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development', port: 4000, host: '0.0.0.0', databaseUrl: undefined, dataDir: path.resolve('.data'),
      defaultRegion: 'PL', apiKeys: [], graphiql: true, introspection: true,
    });
  });

  it('turns GraphiQL and introspection off in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ graphiql: false, introspection: false });
    expect(loadConfig({ NODE_ENV: 'production', OMNI360_GRAPHIQL: 'true' })).toMatchObject({ graphiql: true });
  });

  it('parses API keys as role:name:secret, secrets may contain colons', () => {
    expect(loadConfig({ OMNI360_API_KEYS: 'ADMIN:ops:secret-with:colons-123, PARTNER:acme:partner-secret-0001' }).apiKeys).toEqual([
      { role: 'ADMIN', name: 'ops', secret: 'secret-with:colons-123' },
      { role: 'PARTNER', name: 'acme', secret: 'partner-secret-0001' },
    ]);
  });

  it('accepts another default region, in any case', () => {
    expect(loadConfig({ OMNI360_DEFAULT_REGION: 'de' }).defaultRegion).toBe('DE');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['OMNI360_API_KEYS', 'ROOT:ops:long-enough-secret-1'],
    ['OMNI360_API_KEYS', 'ADMIN:ops'],
    ['OMNI360_API_KEYS', 'ADMIN:ops:short'],
    ['OMNI360_API_KEYS', 'ADMIN:ops:long-enough-secret-1,AGENT:ops:long-enough-secret-2'],
    ['NODE_ENV', 'staging'],
    ['DATABASE_URL', 'mysql://user@localhost/db'],
    ['DATABASE_URL', 'not a url'],
    ['OMNI360_DEFAULT_REGION', 'POL'],
    ['OMNI360_DEFAULT_REGION', '48'],
    ['OMNI360_DEFAULT_REGION', 'XX'],
    ['OMNI360_DEFAULT_REGION', 'UK'],
    ['OMNI360_JWT_SECRET', 'too-short'],
    ['OMNI360_JWKS_URL', 'ftp://keys.example.com/jwks.json'],
    ['OMNI360_EMBEDDED_PG_PORT', '80'],
    ['OMNI360_GRAPHIQL', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['OMNI360_SLA_TARGETS', 'CHAT=fast'],
  ])('refuses %s=%j with a ConfigError naming the variable', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toMatch(/^Invalid configuration: /);
  });
});

/** Runs src/main.ts the way `npm start` does, with only the given environment (no DATABASE_URL). */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`src/main.ts did not exit: ${stdout}${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('src/main.ts with a bad value', () => {
  it.each([
    ['PORT', 'not-a-port'],
    ['OMNI360_DEFAULT_REGION', 'XX'],
    ['OMNI360_API_KEYS', 'ADMIN:ops'],
  ])('exits non-zero (78) printing %s, before touching the data directory', async (variable, value) => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-config-'));
    const dataDir = path.join(parent, 'data');
    const { code, stderr, stdout } = await runMain({ [variable]: value, OMNI360_DATA_DIR: dataDir });
    expect(code).toBe(78);
    expect(stderr).toContain(variable);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('omni360 is ready');
    expect(fs.existsSync(dataDir)).toBe(false);
    fs.rmSync(parent, { recursive: true, force: true });
  });
});
