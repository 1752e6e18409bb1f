import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { Slot } from '../common/memo';

/** Where a heavy read (queryRead) of one request runs, and how fresh its data is. */
export interface ReadRoute {
  /** True when on a read replica, false on the primary. */
  replica: boolean;
  /**
   * Every change committed on the primary before this moment is in the data the read sees. On the
   * primary: when the route was decided. On replicas: the stalest replica's (the pool picks one per
   * statement) last replayed commit, or the moment it was found caught up with the primary.
   */
  asOf: Date;
}

/** application_name of the probe connections (not counted as read-replica connections). */
export const REPLICA_PROBE_APPLICATION_NAME = 'omni360-replica-probe';

/** A probe answers for this long; requests in between share it. */
const PROBE_TTL_MS = 1_000;
/** A replica that does not answer the probe within this long counts as lagging without bound. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Measures how far the read replicas lag behind the primary, at most once a second per instance, and
 * routes heavy reads: to the replicas while the stalest of them is at most `maxLagMs` behind, else to
 * the primary (also while a replica does not answer). A replica is behind when its replayed WAL position
 * is below the primary's current one; it is then as fresh as its last replayed commit.
 */
export class ReplicaLagMonitor {
  private readonly clients = new Map<string, Client>();
  private probe: { at: number; result: Promise<Date | null> } | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly replicaUrls: readonly string[],
    readonly maxLagMs: number,
  ) {}

  /** The route for a read starting now. */
  async route(): Promise<ReadRoute> {
    const now = Date.now();
    if (this.replicaUrls.length === 0) return { replica: false, asOf: new Date(now) };
    if (!this.probe || now - this.probe.at > PROBE_TTL_MS) this.probe = { at: now, result: this.measure() };
    const asOf = await this.probe.result;
    if (asOf === null || Date.now() - asOf.getTime() > this.maxLagMs) return { replica: false, asOf: new Date() };
    return { replica: true, asOf };
  }

  /** The freshness of the stalest replica, or null when one cannot tell. */
  private async measure(): Promise<Date | null> {
    try {
      const [primary] = (await this.orm.em.getConnection('write').execute(`select pg_current_wal_lsn()::text as lsn, clock_timestamp() as at`, [], 'all')) as {
        lsn: string;
        at: Date;
      }[];
      const each = await Promise.all(this.replicaUrls.map((url) => this.replicaFreshness(url, primary.lsn, new Date(primary.at))));
      return each.some((asOf) => asOf === null) ? null : new Date(Math.min(...each.map((asOf) => asOf!.getTime())));
    } catch {
      return null;
    }
  }

  private async replicaFreshness(url: string, primaryLsn: string, primaryAt: Date): Promise<Date | null> {
    try {
      const client = await this.client(url);
      const { rows } = await client.query<{ recovery: boolean; caughtUp: boolean | null; replayedAt: Date | null }>(
        `select pg_is_in_recovery() as recovery, pg_last_wal_replay_lsn() >= $1::pg_lsn as "caughtUp", pg_last_xact_replay_timestamp() as "replayedAt"`,
        [primaryLsn],
      );
      const [row] = rows;
      // Not a standby (a second URL of the primary itself): as fresh as the primary.
      if (!row.recovery || row.caughtUp) return primaryAt;
      return row.replayedAt ?? new Date(0);
    } catch {
      const client = this.clients.get(url);
      this.clients.delete(url);
      await client?.end().catch(() => undefined);
      return null;
    }
  }

  private async client(url: string): Promise<Client> {
    const known = this.clients.get(url);
    if (known) return known;
    const client = new Client({
      connectionString: url,
      application_name: REPLICA_PROBE_APPLICATION_NAME,
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      query_timeout: PROBE_TIMEOUT_MS,
    });
    client.on('error', () => undefined); // a dead connection fails the next probe, which replaces it
    this.clients.set(url, client);
    try {
      await client.connect();
    } catch (error) {
      this.clients.delete(url);
      throw error;
    }
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

const monitors = new WeakMap<object, ReplicaLagMonitor>();
/** A slot of each request's EntityManager (common/memo.ts). */
const routes = new Slot<EntityManager, Promise<ReadRoute>>('omni360.readRoute');

/** Registers the lag monitor of an ORM (server start-up); without one, heavy reads use the replicas unconditionally. */
export function monitorReplicaLag(orm: MikroORM, replicaUrls: readonly string[], maxLagMs: number): ReplicaLagMonitor {
  const monitor = new ReplicaLagMonitor(orm, replicaUrls, maxLagMs);
  monitors.set(orm.em.getDriver(), monitor);
  return monitor;
}

/**
 * The route of an EntityManager's heavy reads, decided once per EntityManager (one per request): every
 * figure of one answer comes from the same side, and the answer can say how fresh it is.
 */
export function readRoute(em: EntityManager): Promise<ReadRoute> {
  let route = routes.get(em);
  if (!route) {
    const monitor = monitors.get(em.getDriver());
    // Unmonitored (an ORM built outside the server): the replicas if any, freshness unknown to us.
    route = monitor ? monitor.route() : Promise.resolve({ replica: true, asOf: new Date() });
    routes.set(em, route);
  }
  return route;
}
