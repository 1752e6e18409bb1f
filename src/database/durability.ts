import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../server/logger';

/**
 * Acknowledged writes must survive a crash: that needs `fsync` and `synchronous_commit` on. omni360
 * does not change server settings; it checks them at start and warns loudly when they are off.
 * Returns the settings found off.
 */
export async function checkDurableSettings(orm: MikroORM, log: Logger): Promise<string[]> {
  const rows = (await orm.em.getConnection().execute(
    `select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes')`,
  )) as { name: string; setting: string }[];
  const off = rows.filter((row) => row.setting === 'off').map((row) => row.name);
  if (off.length > 0) {
    log.warn(
      { settings: off },
      `DURABILITY WARNING: PostgreSQL has ${off.join(', ')} off — acknowledged writes can be lost on a crash. Turn them on in production.`,
    );
  }
  return off;
}
