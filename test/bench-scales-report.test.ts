import { copyRows, copyText } from '../bench/copy-in';
import { compareScales, flaggedSummary, scaleTable, type ResultRow, type ScaleResults, type StatementRow } from '../bench/report';

/** The side-by-side report of `BENCH_SCALES=1,10` (bench/report.ts), from fixture results. */

function row(scenario: string, connections: number, rps: number, p50: number, p99: number, implementation = 'omni360'): ResultRow {
  return { scenario, implementation, connections, status: 'ok', rps, p50, p99, pgCpuMsPerRequest: p50 / 2, requests: rps * 10, errors: 0 };
}

const statements = (scenario: string, perRequest: number): StatementRow => ({ scenario, implementation: 'omni360', perRequest, background: 9, failed: 0 });

type Figures = [rps: number, p50: number, p99: number];

/** One scale's results: (a), (g) and (c) by omni360 at 1 connection, and a PostGraphile page that was n/a. */
function scaleResults(scale: number, a: Figures, g: Figures, c: Figures): ScaleResults {
  return {
    scale,
    rows: [
      row('(a) customer-360', 1, ...a),
      row('(g) customer timeline 20', 1, ...g),
      row('(c) analytics 1 year', 1, ...c),
      { scenario: '(j) product list 50 with stock', implementation: 'PostGraphile', connections: 1, status: 'n/a', note: 'unavailable' },
    ],
    statements: [statements('(g) customer timeline 20', 2)],
  };
}

const scale1 = scaleResults(1, [800, 1.1, 2.0], [400, 2.0, 6.0], [5, 190, 220]);
const scale10 = scaleResults(10, [760, 1.2, 2.9], [150, 5.0, 18.0], [0.5, 1900, 2500]);

describe('bench report at several scales', () => {
  it('puts req/s, p50, p99 and statements of each scale side by side, with p99 at the largest scale over the smallest', () => {
    const table = scaleTable([scale10, scale1]);
    const lines = table.split('\n');
    expect(lines[0]).toBe(
      '| scenario | implementation | conns | req/s @1 | req/s @10 | p50 ms @1 | p50 ms @10 | p99 ms @1 | p99 ms @10 | pg CPU ms/req @1 | pg CPU ms/req @10 | statements/req @1 | statements/req @10 | p99 @10 / @1 | bounded page, p99 within 1.5× |',
    );
    expect(lines).toContain('| (a) customer-360 | omni360 | 1 | 800 | 760 | 1.1 | 1.2 | 2.0 | 2.9 | 0.55 | 0.60 | – | – | 1.45× | ok |');
    expect(lines).toContain(
      '| (g) customer timeline 20 | omni360 | 1 | 400 | 150 | 2.0 | 5.0 | 6.0 | 18.0 | 1.00 | 2.50 | 2.0 | 2.0 | 3.00× | **over 1.5×** |',
    );
    // Analytics over a year reads more rows at a larger scale by definition: shown, never flagged.
    expect(lines).toContain('| (c) analytics 1 year | omni360 | 1 | 5 | 1 | 190.0 | 1900.0 | 220.0 | 2500.0 | 95.00 | 950.00 | – | – | 11.36× | – |');
    expect(lines).toContain('| (j) product list 50 with stock | PostGraphile | 1 | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | – | – | – | n/a |');
  });

  it('flags exactly the bounded pages whose p99 grew more than 1.5×', () => {
    const flagged = compareScales([scale1, scale10]).filter((comparison) => comparison.flagged);
    expect(flagged.map((comparison) => comparison.scenario)).toEqual(['(g) customer timeline 20']);
    expect(flaggedSummary([scale1, scale10])).toBe(
      '**1 bounded page run(s) with p99 more than 1.5× higher at the largest scale**: (g) customer timeline 20 omni360 ×1 (3.00×).',
    );
    expect(flaggedSummary([scale1, { ...scale10, rows: scale10.rows.filter((found) => found.scenario !== '(g) customer timeline 20') }])).toBe(
      "No bounded page's p99 grew more than 1.5× with the scale.",
    );
  });

  it('does not compare a run that failed', () => {
    const failed: ScaleResults = { ...scale10, rows: [{ ...row('(a) customer-360', 1, 3, 900, 9000), status: 'failed', errors: 12 }] };
    const [comparison] = compareScales([scale1, failed]);
    expect(comparison.p99Growth).toBeUndefined();
    expect(comparison.flagged).toBe(false);
    expect(scaleTable([scale1, failed]).split('\n')).toContain(
      '| (a) customer-360 | omni360 | 1 | 800 | FAILED 3 | 1.1 | FAILED 900.0 | 2.0 | FAILED 9000.0 | 0.55 | FAILED 450.00 | – | – | – | n/a |',
    );
  });
});

describe('bench COPY text format', () => {
  it('escapes what COPY reads as delimiters and writes null as \\N', () => {
    expect(copyText('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyText(null)).toBe('\\N');
    expect(copyText(false)).toBe('false');
    expect(
      copyRows([
        ['x', 1, null],
        ['{A,B}', true, ''],
      ]).toString('utf8'),
    ).toBe('x\t1\t\\N\n{A,B}\ttrue\t\n');
  });
});
