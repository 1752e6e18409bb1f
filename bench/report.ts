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
