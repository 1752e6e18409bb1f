import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import pino from 'pino';
import { ormConfig } from '../src/config/mikro-orm.config';
import { checkDurableSettings } from '../src/database/durability';
import { createTestDatabase } from './support/server';

function capturingLogger() {
  const lines: { level: number; msg: string; settings?: string[] }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('start-up durability check', () => {
  it('warns loudly, naming the setting, when synchronous_commit is off', async () => {
    const url = await createTestDatabase();
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`alter database "${new URL(url).pathname.slice(1)}" set synchronous_commit = off`);
    await admin.end();
    const orm = await MikroORM.init(ormConfig({ clientUrl: url, poolMax: 1 }));
    try {
      const { log, lines } = capturingLogger();
      const off = await checkDurableSettings(orm, log);
      expect(off).toContain('synchronous_commit');
      expect(lines).toEqual([expect.objectContaining({ level: 40, settings: off, msg: expect.stringContaining('DURABILITY WARNING') })]);
    } finally {
      await orm.close(true);
    }
  });

  it('stays quiet when the settings are durable', async () => {
    const orm = await MikroORM.init(ormConfig({ clientUrl: await createTestDatabase(), poolMax: 1 }));
    try {
      const settings = (await orm.em.getConnection().execute(`select setting from pg_settings where name = 'fsync'`)) as { setting: string }[];
      const { log, lines } = capturingLogger();
      const off = await checkDurableSettings(orm, log);
      // The suite's embedded PostgreSQL runs with fsync off for speed; a real server has it on.
      expect(off).toEqual(settings[0].setting === 'off' ? ['fsync'] : []);
      expect(lines).toHaveLength(off.length > 0 ? 1 : 0);
    } finally {
      await orm.close(true);
    }
  });
});
