/** One line of the results table. */
export interface ResultRow {
  scenario: string;
  implementation: string;
  connections: number | null;
  status: 'ok' | 'failed' | 'n/a';
  note?: string;
  rps?: number;
  p50?: number;
  p99?: number;
  nodeCpuMsPerRequest?: number;
  pgCpuMsPerRequest?: number;
  peakRssMb?: number;
  requests?: number;
  errors?: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  postgraphileNode?: string;
  postgres: string;
  database: string;
  loadBefore: string;
  loadAfter?: string;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

function cells(row: ResultRow): string[] {
  if (row.status === 'n/a') {
    return [row.scenario, row.implementation, row.connections === null ? '–' : String(row.connections), 'n/a', '', '', '', '', '', '', '', row.note ?? ''];
  }
  return [
    row.scenario,
    row.implementation,
    row.connections === null ? '–' : String(row.connections),
    row.status === 'failed' ? `FAILED ${fixed(row.rps, 0)}` : fixed(row.rps, 0),
    fixed(row.p50, 1),
    fixed(row.p99, 1),
    fixed(row.nodeCpuMsPerRequest, 2),
    fixed(row.pgCpuMsPerRequest, 2),
    fixed(row.peakRssMb, 0),
    row.requests === undefined ? '–' : String(row.requests),
    row.errors === undefined ? '–' : String(row.errors),
    row.note ?? '',
  ];
}

function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((name, index) => (index < 2 || name === 'notes' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

export function resultsTable(rows: ResultRow[]): string {
  return markdownTable(
    ['scenario', 'implementation', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'node CPU ms/req', 'pg CPU ms/req', 'peak RSS MiB', 'requests', 'errors', 'notes'],
    rows.map(cells),
  );
}

/** omni360 against each reference, per read scenario (a, b and their partial variants, the pages f-k) and connection count. */
export function ratioTable(rows: ResultRow[]): string {
  const lines: string[][] = [];
  const keys = [...new Set(rows.filter((row) => /^\((a|b|f|g|h|i|j|k)/.test(row.scenario) && row.connections !== null).map((row) => `${row.scenario}\u0000${row.connections}`))];
  for (const key of keys) {
    const [scenario, connections] = key.split('\u0000');
    const find = (implementation: string) => rows.find((row) => row.scenario === scenario && String(row.connections) === connections && row.implementation === implementation);
    const omni = find('omni360');
    const graphile = find('PostGraphile');
    const floor = find('floor');
    const ok = (row?: ResultRow) => row?.status === 'ok' && row.rps !== undefined;
    const ratio = (other?: ResultRow) => (ok(omni) && ok(other) ? `${(omni!.rps! / other!.rps!).toFixed(2)}×` : 'n/a');
    const p99 = ok(omni) && ok(graphile) ? `${fixed(omni!.p99, 1)} vs ${fixed(graphile!.p99, 1)}` : 'n/a';
    const rps = (row?: ResultRow) => (row ? (row.status === 'ok' ? fixed(row.rps, 0) : row.status) : '–');
    lines.push([scenario, connections, rps(omni), rps(graphile), rps(floor), ratio(graphile), ratio(floor), p99]);
  }
  return markdownTable(['scenario', 'conns', 'omni360 req/s', 'PostGraphile req/s', 'floor req/s', 'omni360/PostGraphile', 'omni360/floor', 'p99 ms omni360 vs PostGraphile'], lines);
}

/** Statements one request of a page sent to PostgreSQL, per implementation (run.ts, countStatements). */
export interface StatementRow {
  scenario: string;
  implementation: string;
  perRequest: number;
  /** Statements per second the server sent while idle (subtracted). */
  background: number;
  /** Counted requests that failed (the count is then suspect). */
  failed: number;
}

export function statementsTable(rows: StatementRow[]): string {
  const implementations = [...new Set(rows.map((row) => row.implementation))];
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  const cell = (scenario: string, implementation: string) => {
    const row = rows.find((candidate) => candidate.scenario === scenario && candidate.implementation === implementation);
    if (!row) return '–';
    return `${fixed(row.perRequest, 1)}${row.failed ? ` (${row.failed} failed)` : ''}`;
  };
  return markdownTable(['scenario', ...implementations], scenarios.map((scenario) => [scenario, ...implementations.map((name) => cell(scenario, name))]));
}

export function machineSection(machine: MachineInfo): string {
  return [
    `- CPU: ${machine.cpus} × ${machine.cpuModel}; memory ${machine.memoryGb.toFixed(1)} GiB`,
    `- Node ${machine.node} (omni360, floor, load generator)${machine.postgraphileNode ? `; Node ${machine.postgraphileNode} (PostGraphile)` : ''}`,
    `- PostgreSQL ${machine.postgres} (${machine.database})`,
    `- load average (1, 5, 15 min) before: ${machine.loadBefore}${machine.loadAfter ? `; after: ${machine.loadAfter}` : ''}`,
  ].join('\n');
}

/** One scale's measurements, for the side-by-side table. */
export interface ScaleResults {
  scale: number;
  rows: ResultRow[];
  statements: StatementRow[];
}

/**
 * The pages whose work does not depend on the size of the data: one customer ((a), (g)), one product
 * ((i)), one order ((k)) or one page of a list ((b), (f), (h), (j)); partial variants such as (a*)
 * included. Their p99 should not grow with the scale; (c) (analytics over a year) and the writes do
 * grow or are not pages.
 */
const BOUNDED_PAGE = /^\((a|b|f|g|h|i|j|k)\*?\)/;

/** How much p99 may grow from the smallest to the largest scale on a bounded page (issue 16). */
export const P99_GROWTH_LIMIT = 1.5;

export function isBoundedPage(scenario: string): boolean {
  return BOUNDED_PAGE.test(scenario);
}

interface ScaleComparison {
  scenario: string;
  implementation: string;
  connections: number | null;
  /** The row of each scale, in the order of `scales`; undefined where that scale has none. */
  rows: (ResultRow | undefined)[];
  statements: (StatementRow | undefined)[];
  /** p99 at the largest scale ÷ p99 at the smallest, when both ran without errors. */
  p99Growth?: number;
  flagged: boolean;
}

const measured = (row?: ResultRow): row is ResultRow & { p99: number } => row?.status === 'ok' && row.p99 !== undefined && row.p99 > 0;

/** Every (scenario, implementation, connections) of any scale, with its rows at each scale. */
export function compareScales(results: ScaleResults[]): ScaleComparison[] {
  const byScale = [...results].sort((a, b) => a.scale - b.scale);
  const keys = new Map<string, { scenario: string; implementation: string; connections: number | null }>();
  for (const result of byScale) {
    for (const row of result.rows) keys.set(`${row.scenario}\u0000${row.implementation}\u0000${row.connections}`, row);
  }
  return [...keys.values()].map(({ scenario, implementation, connections }) => {
    const rows = byScale.map((result) =>
      result.rows.find((row) => row.scenario === scenario && row.implementation === implementation && row.connections === connections),
    );
    const statements = byScale.map((result) =>
      result.statements.find((row) => row.scenario === scenario && row.implementation === implementation),
    );
    const smallest = rows[0];
    const largest = rows[rows.length - 1];
    const p99Growth = rows.length > 1 && measured(smallest) && measured(largest) ? largest.p99 / smallest.p99 : undefined;
    const flagged = isBoundedPage(scenario) && p99Growth !== undefined && p99Growth > P99_GROWTH_LIMIT;
    return { scenario, implementation, connections, rows, statements, p99Growth, flagged };
  });
}

/**
 * Each scenario × implementation × connections at every scale side by side: req/s, p50, p99,
 * PostgreSQL CPU per request (what grows with the data, and steadier than latency on a busy machine),
 * statements per request, the growth of p99 from the smallest to the largest scale, and a flag on the
 * bounded pages whose p99 grew more than P99_GROWTH_LIMIT.
 */
export function scaleTable(results: ScaleResults[]): string {
  const scales = [...results].map((result) => result.scale).sort((a, b) => a - b);
  const at = (what: string) => scales.map((scale) => `${what} @${scale}`);
  const value = (row: ResultRow | undefined, pick: (row: ResultRow) => string) => {
    if (!row) return '–';
    if (row.status === 'n/a') return 'n/a';
    return row.status === 'failed' ? `FAILED ${pick(row)}` : pick(row);
  };
  const lines = compareScales(results).map((comparison) => {
    const verdict = !isBoundedPage(comparison.scenario) ? '–' : comparison.p99Growth === undefined ? 'n/a' : comparison.flagged ? `**over ${P99_GROWTH_LIMIT}×**` : 'ok';
    return [
      comparison.scenario,
      comparison.implementation,
      comparison.connections === null ? '–' : String(comparison.connections),
      ...comparison.rows.map((row) => value(row, (found) => fixed(found.rps, 0))),
      ...comparison.rows.map((row) => value(row, (found) => fixed(found.p50, 1))),
      ...comparison.rows.map((row) => value(row, (found) => fixed(found.p99, 1))),
      ...comparison.rows.map((row) => value(row, (found) => fixed(found.pgCpuMsPerRequest, 2))),
      ...comparison.statements.map((row) => (row ? fixed(row.perRequest, 1) : '–')),
      comparison.p99Growth === undefined ? '–' : `${comparison.p99Growth.toFixed(2)}×`,
      verdict,
    ];
  });
  const growth = `p99 @${scales[scales.length - 1]} / @${scales[0]}`;
  return markdownTable(
    ['scenario', 'implementation', 'conns', ...at('req/s'), ...at('p50 ms'), ...at('p99 ms'), ...at('pg CPU ms/req'), ...at('statements/req'), growth, `bounded page, p99 within ${P99_GROWTH_LIMIT}×`],
    lines,
  );
}

/** One line naming every flagged page (or saying there is none), under the side-by-side table. */
export function flaggedSummary(results: ScaleResults[]): string {
  const flagged = compareScales(results).filter((comparison) => comparison.flagged);
  if (!flagged.length) return `No bounded page's p99 grew more than ${P99_GROWTH_LIMIT}× with the scale.`;
  const names = flagged.map((comparison) => `${comparison.scenario} ${comparison.implementation} ×${comparison.connections} (${comparison.p99Growth!.toFixed(2)}×)`);
  return `**${flagged.length} bounded page run(s) with p99 more than ${P99_GROWTH_LIMIT}× higher at the largest scale**: ${names.join(', ')}.`;
}
