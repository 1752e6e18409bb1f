import fs from 'node:fs';
import readline from 'node:readline';

/**
 * `npm run import -- <file.ndjson> [--json]`: streams a file of historical orders (one ImportOrderInput
 * as JSON per line) of any size through the running server's importOrders mutation, in batches of at
 * most 1000 orders (and well under the server's 1 MB body limit), with a progress bar on stderr. Ends
 * with the orders created / skipped / rejected and the reason of every rejection (stdout; `--json`
 * prints the same as JSON). Idempotent on (source, externalId): a second run reports all skipped.
 *
 * Environment: OMNI360_URL (default http://localhost:4000/graphql), OMNI360_TOKEN (an INGEST, AGENT
 * or ADMIN API key). Exit codes: 0 the whole file was processed (rejections are reported, not fatal),
 * 2 usage, transport or authorization failure.
 */

const MAX_BATCH = 1_000;
const MAX_BATCH_BYTES = 800_000;

const MUTATION = `mutation ImportOrders($input: ImportOrdersInput!) {
  importOrders(input: $input) {
    created skipped rejected
    results { index outcome code reason }
    userErrors { code field message }
  }
}`;

interface PendingRow {
  line: number;
  order: Record<string, unknown>;
}

export interface Rejection {
  line: number;
  source: string | null;
  externalId: string | null;
  code: string;
  reason: string;
}

export interface ImportSummary {
  file: string;
  read: number;
  created: number;
  skipped: number;
  rejected: number;
  rejections: Rejection[];
}

interface ImportResponse {
  data?: {
    importOrders: {
      results: { index: number; outcome: 'CREATED' | 'SKIPPED' | 'REJECTED'; code: string | null; reason: string | null }[];
      userErrors: { code: string; message: string }[];
    };
  };
  errors?: { message: string; extensions?: { code?: string } }[];
}

class FatalError extends Error {}

/** A progress bar drawn with \r on one line of stderr, at most ten times a second. */
class ProgressBar {
  private drawnAt = 0;
  constructor(private readonly out: NodeJS.WriteStream | fs.WriteStream, private readonly totalBytes: number) {}

  draw(bytes: number, summary: ImportSummary, force = false): void {
    const now = Date.now();
    if (!force && now - this.drawnAt < 100) return;
    this.drawnAt = now;
    const share = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.out.write(`\r[${bar}] ${String(Math.floor(share * 100)).padStart(3)}%  ${summary.read} orders  `
      + `created ${summary.created}  skipped ${summary.skipped}  rejected ${summary.rejected}`);
  }

  done(summary: ImportSummary): void {
    this.draw(this.totalBytes, summary, true);
    this.out.write('\n');
  }
}

async function post(url: string, token: string, orders: Record<string, unknown>[]): Promise<ImportResponse> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: MUTATION, variables: { input: { orders } } }),
    });
  } catch (error) {
    throw new FatalError(`cannot reach ${url}: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as ImportResponse;
  const code = body.errors?.[0]?.extensions?.code;
  if (res.status === 401 || res.status === 403 || code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') {
    throw new FatalError(`the server refused the token (${code ?? res.status}): set OMNI360_TOKEN to an INGEST, AGENT or ADMIN key`);
  }
  if (!body.data && !body.errors) throw new FatalError(`unexpected answer from ${url}: HTTP ${res.status}`);
  return body;
}

function keyOf(order: Record<string, unknown>): { source: string | null; externalId: string | null } {
  return {
    source: typeof order.source === 'string' ? order.source : null,
    externalId: typeof order.externalId === 'string' ? order.externalId : null,
  };
}

/**
 * Sends one batch. A document-level error (an order that does not even match ImportOrderInput, e.g. an
 * unknown channel) would fail the whole batch, so the batch is split in halves until the bad order is
 * alone and can be reported as rejected with the server's message.
 */
async function sendBatch(url: string, token: string, rows: PendingRow[], summary: ImportSummary): Promise<void> {
  const body = await post(url, token, rows.map((row) => row.order));
  if (body.errors?.length || !body.data) {
    const code = body.errors?.[0]?.extensions?.code;
    if (code !== 'BAD_USER_INPUT' && code !== 'GRAPHQL_VALIDATION_FAILED') {
      throw new FatalError(`the server failed: ${body.errors?.map((error) => `${error.extensions?.code ?? ''} ${error.message}`).join('; ')}`);
    }
    if (rows.length === 1) {
      summary.rejected += 1;
      summary.rejections.push({ line: rows[0].line, ...keyOf(rows[0].order), code: 'INVALID_INPUT', reason: body.errors![0].message });
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await sendBatch(url, token, rows.slice(0, half), summary);
    await sendBatch(url, token, rows.slice(half), summary);
    return;
  }
  const payload = body.data.importOrders;
  if (payload.userErrors.length) throw new FatalError(`the batch was refused: ${payload.userErrors.map((error) => `${error.code} ${error.message}`).join('; ')}`);
  for (const result of payload.results) {
    const row = rows[result.index];
    if (result.outcome === 'CREATED') summary.created += 1;
    else if (result.outcome === 'SKIPPED') summary.skipped += 1;
    else {
      summary.rejected += 1;
      summary.rejections.push({ line: row.line, ...keyOf(row.order), code: result.code ?? 'REJECTED', reason: result.reason ?? '' });
    }
  }
}

/** Streams `file` line by line through importOrders; memory stays at one batch whatever the file size. */
export async function importFile(file: string, options: { url: string; token: string; progress: NodeJS.WriteStream | fs.WriteStream }): Promise<ImportSummary> {
  const totalBytes = fs.statSync(file).size;
  const summary: ImportSummary = { file, read: 0, created: 0, skipped: 0, rejected: 0, rejections: [] };
  const bar = new ProgressBar(options.progress, totalBytes);
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let batch: PendingRow[] = [];
  let batchBytes = 0;
  let bytes = 0;
  let lineNo = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    batchBytes = 0;
    await sendBatch(options.url, options.token, rows, summary);
    bar.draw(bytes, summary);
  };
  for await (const text of lines) {
    lineNo += 1;
    bytes += Buffer.byteLength(text) + 1;
    if (text.trim() === '') continue;
    summary.read += 1;
    let order: unknown;
    try {
      order = JSON.parse(text);
    } catch (error) {
      order = undefined;
      summary.rejected += 1;
      summary.rejections.push({ line: lineNo, source: null, externalId: null, code: 'INVALID_JSON', reason: (error as Error).message });
      continue;
    }
    if (!order || typeof order !== 'object' || Array.isArray(order)) {
      summary.rejected += 1;
      summary.rejections.push({ line: lineNo, source: null, externalId: null, code: 'INVALID_JSON', reason: 'a line must hold one JSON object (an ImportOrderInput)' });
      continue;
    }
    if (batch.length >= MAX_BATCH || batchBytes + text.length > MAX_BATCH_BYTES) await flush();
    batch.push({ line: lineNo, order: order as Record<string, unknown> });
    batchBytes += text.length;
  }
  await flush();
  bar.done(summary);
  return summary;
}

function report(summary: ImportSummary): string {
  const out = [
    `${summary.file}: ${summary.read} orders read`,
    `  created  ${summary.created}`,
    `  skipped  ${summary.skipped}`,
    `  rejected ${summary.rejected}`,
  ];
  if (summary.rejections.length) {
    out.push('rejections:');
    for (const rejection of summary.rejections) {
      const key = rejection.source !== null ? ` ${rejection.source}/${rejection.externalId}` : '';
      out.push(`  line ${rejection.line}${key}: ${rejection.code} ${rejection.reason}`);
    }
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: npm run import -- <file.ndjson> [--json]   (OMNI360_URL, OMNI360_TOKEN)\n');
    return 2;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`no such file: ${file}\n`);
    return 2;
  }
  const url = process.env.OMNI360_URL || 'http://localhost:4000/graphql';
  const token = process.env.OMNI360_TOKEN ?? '';
  try {
    const summary = await importFile(file, { url, token, progress: process.stderr });
    process.stdout.write(args.includes('--json') ? `${JSON.stringify(summary)}\n` : report(summary));
    return 0;
  } catch (error) {
    if (error instanceof FatalError) {
      process.stderr.write(`\nimport stopped: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error) => {
    process.stderr.write(`\nimport failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  });
}
