import path from 'node:path';

/** Every knob of `npm run bench`, read once from the environment (see bench/README.md). */
/**
 * The node flags every start of the server carries (npm start and dev, the Dockerfile's CMD, the bench;
 * test/v8-flags.test.ts holds them together). Allocation-site pretenuring off: V8 moves the allocation
 * sites whose objects outlive a young collection straight to the old generation, and on a GraphQL server
 * those objects (request state in flight while statements run) then keep the young ones they point to
 * alive until the next full GC; measured in bench/README.md. Young semi-spaces of 32 MiB (V8's default
 * tops out at 16): what a request allocates (rows, the answer) dies young, so a larger young generation
 * is collected less often for the same few survivors (search page at 32 connections +3-9 %, timeline
 * +1-4 %, RSS +40 MiB; alternated runs in bench/README.md). Given on the command line, not through v8.setFlagsFromString at run time
 * (Node's docs: behaviour undefined once code ran) nor NODE_OPTIONS (which refuses the first flag).
 */
export const SERVER_NODE_FLAGS = ['--no-allocation-site-pretenuring', '--max-semi-space-size=32'] as const;

export interface BenchConfig {
  /** 1 = 10,000 customers, 100,000 orders, 100,000 interactions (the default size). The scale being measured. */
  scale: number;
  /**
   * Every scale one run measures, in order (BENCH_SCALES, e.g. 1,10; else BENCH_SCALE alone). With more
   * than one, the report puts each page's figures at every scale side by side.
   */
  scales: number[];
  /** Measured seconds per scenario and connection count. */
  durationSeconds: number;
  /**
   * Answers a read's window holds at least: a slower page's window stays open past `durationSeconds`
   * until it has them, up to `maxDurationSeconds`, so its p99 is not the second-slowest of ~100 answers.
   */
  minRequests: number;
  maxDurationSeconds: number;
  /**
   * Unmeasured seconds before each measurement (JIT, caches, pools). 5: after 2 s neither server had
   * finished tiering up on 2 cores (bench/README.md, "Fourth round").
   */
  warmupSeconds: number;
  /**
   * Rounds of every read measurement (BENCH_ROUNDS, default 1): each implementation is measured this many
   * times per scenario and connection count, interleaved with the others, and the report gives the median
   * of each figure. Rounds after the first warm up for at most 2 s (the server is warm by then).
   */
  rounds: number;
  /** Connection counts every read scenario runs at. */
  connections: number[];
  /** Explicit BENCH_DATABASE_URL, else undefined (local PostgreSQL or embedded, see database.ts). */
  databaseUrl?: string;
  /** BENCH_EMBEDDED=1: use the embedded PostgreSQL in bench/.data even when a local one answers. */
  embedded: boolean;
  /** Scenarios to run: a, b, c, d, the pages f-k and the unpaced writes w (bench/README.md). */
  scenarios: Set<string>;
  /** Implementations to run: omni360, postgraphile, floor. */
  implementations: Set<string>;
  /** Steady write rate of scenario (d), per second. */
  writeRate: number;
  /** Live interactionAdded subscribers of scenario (d). */
  subscribers: number;
  /** Database pool size of every implementation (the same for all, so the comparison is fair). */
  poolSize: number;
  /** Fixed ADMIN key the omni360 child process is started with. */
  adminKey: string;
  benchDir: string;
  repoDir: string;
}

function list(raw: string | undefined, fallback: string[]): string[] {
  const items = (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return items.length ? items : fallback;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function scaleList(): number[] {
  const raw = process.env.BENCH_SCALES;
  if (raw === undefined || raw.trim() === '') return [positive('BENCH_SCALE', 1)];
  const scales = list(raw, []).map(Number);
  if (scales.some((scale) => !Number.isFinite(scale) || scale <= 0)) throw new Error(`BENCH_SCALES must list positive numbers, got "${raw}"`);
  return scales;
}

export function loadBenchConfig(): BenchConfig {
  const benchDir = __dirname;
  const scales = scaleList();
  return {
    scale: scales[0],
    scales,
    durationSeconds: positive('BENCH_DURATION', 10),
    minRequests: positive('BENCH_MIN_REQUESTS', 400),
    maxDurationSeconds: positive('BENCH_MAX_DURATION', 30),
    warmupSeconds: positive('BENCH_WARMUP', 5),
    rounds: Math.floor(positive('BENCH_ROUNDS', 1)),
    connections: list(process.env.BENCH_CONNECTIONS, ['1', '32']).map(Number),
    databaseUrl: process.env.BENCH_DATABASE_URL?.trim() || undefined,
    embedded: ['1', 'true', 'yes'].includes((process.env.BENCH_EMBEDDED ?? '').toLowerCase()),
    scenarios: new Set(list(process.env.BENCH_SCENARIOS, ['a', 'b', 'c', 'd', 'f', 'g', 'h', 'i', 'j', 'k', 'w'])),
    implementations: new Set(list(process.env.BENCH_IMPLEMENTATIONS, ['floor', 'postgraphile', 'omni360'])),
    writeRate: positive('BENCH_WRITE_RATE', 200),
    subscribers: positive('BENCH_SUBSCRIBERS', 100),
    poolSize: positive('BENCH_POOL_SIZE', 10),
    adminKey: 'bench-admin-key-0123456789abcdef',
    benchDir,
    repoDir: path.resolve(benchDir, '..'),
  };
}
