import { Client } from 'pg';
import type { BackgroundTask } from '../module';

/** How often each server folds the pending bitmap changes: readers then XOR about a second of writes. */
export const COMPACTION_INTERVAL_MS = 1_000;

/**
 * Folds the committed changes of analytics_cell_pending into the cell bitmaps and deletes them, in one
 * transaction (analytics_compact_pending(), migration analyticsPendingCompaction). Every instance runs
 * it; an advisory lock lets one run at a time and the others skip. Returns the rows folded, -1 when
 * another run was under way.
 */
export async function compactPending(client: Client): Promise<number> {
  const { rows } = await client.query<{ folded: number }>('select analytics_compact_pending() as folded');
  return rows[0].folded;
}

/**
 * The compaction every COMPACTION_INTERVAL_MS after the previous run ended, on a connection of its own
 * (opened again after a failure, which is logged): it never waits for, nor delays, a request's connection.
 */
export const pendingCompaction: BackgroundTask = {
  name: 'analytics pending compaction',
  start(app, databaseUrl) {
    let stopping = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    let client: Client | undefined;
    const connected = async (): Promise<Client> => {
      if (client) return client;
      const fresh = new Client({
        connectionString: databaseUrl,
        application_name: 'omni360-analytics-compaction',
        statement_timeout: app.config.dbStatementTimeoutMs,
      });
      // A connection lost between runs: the next run opens another one.
      fresh.on('error', () => {
        if (client === fresh) client = undefined;
      });
      await fresh.connect();
      client = fresh;
      return fresh;
    };
    const close = async () => {
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    };
    const schedule = () => {
      if (!stopping) timer = setTimeout(run, COMPACTION_INTERVAL_MS);
    };
    const run = () => {
      running = connected()
        .then(compactPending)
        .then(
          () => undefined,
          async (err: unknown) => {
            app.log.warn({ err }, 'analytics: compacting the pending bitmap changes failed');
            await close();
          },
        )
        .finally(schedule);
    };
    schedule();
    return {
      async stop() {
        stopping = true;
        clearTimeout(timer);
        await running;
        await close();
      },
    };
  },
};
