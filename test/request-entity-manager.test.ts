import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../src/common/ids';
import { createContext } from '../src/context/context';
import { LocationEntity } from '../src/modules/catalog/location.entity';
import { inTransaction, query, queryOne } from '../src/database/sql';
import { startTestServer, type TestServer } from './support/server';

/**
 * A request's EntityManager is a view of the ORM's (requestEntityManager, src/context/context.ts), not
 * a fork: what a request relies on must still hold. Each request has its own identity (the key of its
 * statement owner and read route), the ORM's connections, and transactions of its own that neither the
 * view, the ORM's EntityManager nor another request's view takes part in.
 */
describe('the request EntityManager view', () => {
  let env: TestServer;
  let root: EntityManager;

  beforeAll(async () => {
    env = await startTestServer();
    root = env.server.app.orm.em as EntityManager;
    await query(root, 'create table view_probe (id text primary key)');
  });
  afterAll(() => env.stop());

  const contextEm = () => createContext(env.server.app, undefined).em;
  const txid = async (em: EntityManager) => (await queryOne<{ id: string }>(em, 'select pg_current_xact_id()::text as id'))!.id;

  it('is an object of its own per request over the ORM connections and metadata', async () => {
    const [a, b] = [contextEm(), contextEm()];
    expect(a).not.toBe(b);
    expect(a).not.toBe(root);
    expect(a.getConnection()).toBe(root.getConnection());
    expect(a.getMetadata()).toBe(root.getMetadata());
    expect(a.isInTransaction()).toBe(false);
    expect((await queryOne<{ one: number }>(a, 'select 1 as one'))!.one).toBe(1);
  });

  it('runs a transaction in a fork of its own: one transaction inside, none on the view, none left after', async () => {
    const em = contextEm();
    const seen = await inTransaction(em, async (tx) => {
      expect(tx).not.toBe(em);
      expect(tx.isInTransaction()).toBe(true);
      // The view is its own context (as the fork was): MikroORM's transaction context, which its global
      // EntityManager reads from AsyncLocalStorage inside the callback, does not reach it.
      expect(em.isInTransaction()).toBe(false);
      // Nested work joins the transaction it is given.
      const nested = await inTransaction(tx, async (inner) => txid(inner));
      return [await txid(tx), await txid(tx), nested];
    });
    expect(new Set(seen).size).toBe(1);
    expect(em.isInTransaction()).toBe(false);
    expect(root.isInTransaction()).toBe(false);
    // Outside the transaction each statement is its own.
    expect(await txid(em)).not.toBe(seen[0]);
  });

  it('takes back no entity a transaction loaded: the unit of work it shares with the ORM stays empty', async () => {
    const id = newId('Location');
    await query(root, `insert into location (id, code, name, type, created_at, updated_at) values (?, ?, 'Probe', 'STORE', now(), now())`, [id, `PROBE-${id}`]);
    const em = contextEm();
    const loaded = await inTransaction(em, async (tx) => {
      const location = await tx.findOneOrFail(LocationEntity, { id });
      expect(tx.getUnitOfWork(false).getIdentityMap().keys()).toHaveLength(1);
      return location;
    });
    expect(loaded.id).toBe(id);
    // MikroORM merges a transaction's entities back into a parent that is not global: the view is global.
    expect(em.getUnitOfWork(false).getIdentityMap().keys()).toEqual([]);
    expect(root.getUnitOfWork(false).getIdentityMap().keys()).toEqual([]);
  });

  it("keeps two requests' transactions apart, each committing or rolling back its own writes", async () => {
    const [a, b] = [contextEm(), contextEm()];
    let release!: () => void;
    const bothInside = new Promise<void>((resolve) => (release = resolve));
    let inside = 0;
    const enter = async () => {
      if (++inside === 2) release();
      await bothInside;
    };
    const committed = inTransaction(a, async (tx) => {
      await query(tx, 'insert into view_probe (id) values (?)', ['kept']);
      await enter();
      return txid(tx);
    });
    const rolledBack = inTransaction(b, async (tx) => {
      await query(tx, 'insert into view_probe (id) values (?)', ['dropped']);
      await enter();
      const id = await txid(tx);
      throw new Error(`roll back ${id}`);
    });
    const [kept, dropped] = await Promise.allSettled([committed, rolledBack]);
    expect(kept.status).toBe('fulfilled');
    expect(dropped.status).toBe('rejected');
    const droppedTxid = /^roll back (\d+)$/.exec((dropped as PromiseRejectedResult).reason.message)?.[1];
    expect(droppedTxid).toMatch(/^\d+$/);
    expect(droppedTxid).not.toBe((kept as PromiseFulfilledResult<string>).value);
    expect(await query<{ id: string }>(contextEm(), 'select id from view_probe order by id')).toEqual([{ id: 'kept' }]);
  });
});
