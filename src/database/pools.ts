import type { Pool } from 'pg';

/**
 * Ends `pool` and resolves once its connections are closed, not merely told to close. pg-pool's end()
 * resolves as soon as it has asked each client to end, while the Terminate messages are still on the
 * wire: a database stopped right after (the embedded one, at Ctrl-C) then ends those sessions itself,
 * and each reports "terminating connection due to administrator command" to the pool's error listener.
 * Waits at most `timeoutMs`: a client whose connection attempt fails leaves the pool without a
 * 'remove' event.
 */
export async function endPool(pool: Pool, timeoutMs = 2_000): Promise<void> {
  let open = pool.totalCount;
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    pool.on('remove', () => {
      if (--open === 0) resolve();
    });
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await pool.end();
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
