// Repair of the one global index that cannot change in the same step as the data it indexes (see
// stores/redis-account-store.ts): the account index is rebuilt from the account hashes. A crash
// between the two writes of a create or a remove leaves an account out of the index; this puts it
// back. It SCANs the whole keyspace (on a Redis Cluster: every primary, each its own cursor), so it is a
// maintenance step — `deskchat migrate` runs it — not something to run on every start. Run it
// while no accounts are being created or removed: it cannot be atomic with them.
import type { RedisConnection } from './connection.js';

export interface ReindexResult {
  /** Accounts found (account hashes). */
  accounts: number;
  /** Usernames that were missing from the index and were added. */
  added: number;
  /** Index entries without an account hash, removed. */
  removed: number;
}

const SCAN_COUNT = 1000;

export async function reindexAccounts(redis: RedisConnection): Promise<ReindexResult> {
  const { keys } = redis;
  const found = new Set<string>();
  // SCAN has no key: a cluster client would send it to one random node, so each primary is scanned.
  await redis.runOnPrimaries(
    'reindexAccounts',
    async (client) => {
      let cursor = '0';
      do {
        const page = await client.scan(cursor, { MATCH: keys.accountKeyPattern(), COUNT: SCAN_COUNT });
        cursor = String(page.cursor);
        for (const key of page.keys) {
          const username = keys.usernameOfAccountKey(key);
          if (username !== undefined) found.add(username);
        }
      } while (cursor !== '0');
    },
    { timeoutMs: 60_000 },
  );

  const indexed = new Set(await redis.run('reindexAccounts', (c) => c.zRange(keys.accountIndex, 0, -1), { timeoutMs: 30_000 }));
  const missing = [...found].filter((u) => !indexed.has(u));
  const stale = [...indexed].filter((u) => !found.has(u));
  for (let i = 0; i < missing.length; i += SCAN_COUNT) {
    const batch = missing.slice(i, i + SCAN_COUNT).map((value) => ({ score: 0, value }));
    await redis.run('reindexAccounts', (c) => c.zAdd(keys.accountIndex, batch));
  }
  // Checked again one by one: an account created since the SCAN is not stale.
  let removed = 0;
  for (const username of stale) {
    const exists = await redis.run('reindexAccounts', (c) => c.exists(keys.user(username).account));
    if (exists === 0) removed += await redis.run('reindexAccounts', (c) => c.zRem(keys.accountIndex, username));
  }
  return { accounts: found.size, added: missing.length, removed };
}
