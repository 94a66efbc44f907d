// AccountStore on Redis: accounts and their RFC 5802 §3 / RFC 7677 SCRAM credentials (salted keys
// only). Same contract as core's MemoryAccountStore (see @deskchat/testing accountStoreContract).
//
// Each account is a hash in its user's slot; the global index (sorted set, score 0, so ZRANGE
// orders members by bytes, which for UTF-8 is code point order) lists usernames for listing and
// counting. The index is the one global exception to "one user, one slot": it cannot share a MULTI
// with the account hash on a Cluster. It is kept correct by ordering the two writes so that the
// index never names an account that does not exist, even with a create and a remove of the same
// name racing on two nodes:
//   create: (1) create the hash if absent [Lua, atomic]  (2) ZADD, only if (1) created it
//   remove: (1) ZREM                                       (2) DEL the hash
// A crash between the two steps leaves an account missing from the index (never the reverse);
// `reindexAccounts` (maintenance.ts, run by `deskchat migrate`) adds it back.
import type { Account, AccountStore, AccountSummary, Credentials } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS[1] account hash. ARGV: username, createdAt, scram JSON, hasName, name, hasEmail, email.
const CREATE = new LuaScript(
  'account-create',
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'username', ARGV[1], 'createdAt', ARGV[2], 'scram', ARGV[3])
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'name', ARGV[5]) end
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'email', ARGV[7]) end
return 1`,
);

// KEYS[1] account hash. ARGV: field, value, field, value, … — written only if the account exists.
const UPDATE_IF_EXISTS = new LuaScript(
  'account-update',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return 1`,
);

const SUMMARY_FIELDS = ['username', 'createdAt', 'name', 'email'];
/** Accounts per round of a batch: each round is one pipeline with its own deadline. */
const BATCH = 500;

function createArgs(account: Account): string[] {
  return [
    account.username,
    String(account.createdAt),
    JSON.stringify(account.credentials),
    account.name === undefined ? '0' : '1',
    account.name ?? '',
    account.email === undefined ? '0' : '1',
    account.email ?? '',
  ];
}

/** An absent field is "never set": left out, as the memory store leaves it out; '' is kept. */
function toSummary([username, createdAt, name, email]: (string | null)[]): AccountSummary | undefined {
  if (username === null || username === undefined || createdAt === null || createdAt === undefined) return undefined;
  const summary: AccountSummary = { username, createdAt: Number(createdAt) };
  if (name !== null && name !== undefined) summary.name = name;
  if (email !== null && email !== undefined) summary.email = email;
  return summary;
}

export class RedisAccountStore implements AccountStore {
  constructor(private readonly redis: RedisConnection) {}

  async createAccount(account: Account): Promise<boolean> {
    return (await this.createAccounts([account]))[0]!;
  }

  async createAccounts(accounts: Account[]): Promise<boolean[]> {
    const created: boolean[] = [];
    for (let i = 0; i < accounts.length; i += BATCH) {
      const batch = accounts.slice(i, i + BATCH);
      created.push(
        ...(await this.redis.runDurable('createAccounts', async (client) => {
          // Sent in input order on one connection, so the first of two duplicates wins.
          const results = await Promise.all(batch.map((a) => CREATE.run(client, [this.redis.keys.user(a.username).account], createArgs(a))));
          const isCreated = results.map((r) => r === 1);
          const names = batch.filter((_, j) => isCreated[j]).map((a) => ({ score: 0, value: a.username }));
          if (names.length > 0) await client.zAdd(this.redis.keys.accountIndex, names);
          return isCreated;
        })),
      );
    }
    return created;
  }

  async getAccount(username: string): Promise<Account | undefined> {
    const hash = await this.redis.run('getAccount', (c) => c.hGetAll(this.redis.keys.user(username).account));
    const summary = toSummary([hash.username ?? null, hash.createdAt ?? null, hash.name ?? null, hash.email ?? null]);
    if (!summary || hash.scram === undefined) return undefined;
    return { ...summary, credentials: JSON.parse(hash.scram) as Credentials };
  }

  async hasAccount(username: string): Promise<boolean> {
    return (await this.redis.run('hasAccount', (c) => c.exists(this.redis.keys.user(username).account))) === 1;
  }

  async setCredentials(username: string, credentials: Credentials): Promise<boolean> {
    const key = this.redis.keys.user(username).account;
    return (await this.redis.runDurable('setCredentials', (c) => UPDATE_IF_EXISTS.run(c, [key], ['scram', JSON.stringify(credentials)]))) === 1;
  }

  async updateProfile(username: string, profile: { name?: string; email?: string }): Promise<boolean> {
    const fields: string[] = [];
    if (profile.name !== undefined) fields.push('name', profile.name);
    if (profile.email !== undefined) fields.push('email', profile.email);
    const key = this.redis.keys.user(username).account;
    return (await this.redis.runDurable('updateProfile', (c) => UPDATE_IF_EXISTS.run(c, [key], fields))) === 1;
  }

  async removeAccount(username: string): Promise<boolean> {
    return this.redis.runDurable('removeAccount', async (client) => {
      // Index first, then the hash: see the header for why this order.
      await client.zRem(this.redis.keys.accountIndex, username);
      return (await client.del(this.redis.keys.user(username).account)) === 1;
    });
  }

  async listAccounts(options: { offset?: number; limit?: number } = {}): Promise<AccountSummary[]> {
    const offset = Number.isFinite(options.offset) ? Math.max(0, Math.floor(options.offset!)) : 0;
    const limit = options.limit !== undefined && Number.isFinite(options.limit) ? Math.max(0, Math.floor(options.limit)) : undefined;
    if (limit === 0) return [];
    return this.redis.run('listAccounts', async (client) => {
      const names = await client.zRange(this.redis.keys.accountIndex, offset, limit === undefined ? -1 : offset + limit - 1);
      const rows = await Promise.all(names.map((u) => client.hmGet(this.redis.keys.user(u).account, SUMMARY_FIELDS)));
      // A name whose hash is gone was removed between the two reads: skip it.
      return rows.map(toSummary).filter((s): s is AccountSummary => s !== undefined);
    });
  }

  async countAccounts(): Promise<number> {
    return this.redis.run('countAccounts', (c) => c.zCard(this.redis.keys.accountIndex));
  }
}
