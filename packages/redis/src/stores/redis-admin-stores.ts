// The administration ports on Redis: AdminAccountStore, ApiTokenStore and AuditLog, shared by every
// node of a cluster. Same contracts as core's memory implementations (see @deskchat/testing
// adminStoresContract). Their keys are global by nature and share the `{admin}` hash tag, so a
// token and its hash index change together in one script. Names sort by code point, as on SQLite.
import type { AdminAccount, AdminAccountStore, AdminSummary, ApiToken, ApiTokenStore, ApiTokenSummary, AuditEntry, AuditLog, AuditQuery, Invitation, InvitationStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';
import { byCodePoint } from './redis-roster-store.js';

// KEYS: admins. ARGV: name, changed-at, new hash. The JSON is written out by hand: cjson would
// re-encode the creation time with 14 significant digits.
const SET_PASSWORD = new LuaScript(
  'admin-set-password',
  `local text = redis.call('HGET', KEYS[1], ARGV[1])
if not text then return 0 end
local admin = cjson.decode(text)
redis.call('HSET', KEYS[1], ARGV[1], '{"name":' .. cjson.encode(admin.name) .. ',"passwordHash":' .. cjson.encode(ARGV[3])
  .. ',"createdAt":' .. string.format('%.0f', admin.createdAt) .. ',"passwordChangedAt":' .. ARGV[2] .. '}')
return 1`,
);

// KEYS: tokens, token-hashes. ARGV: name, hash, token JSON. A taken name (or hash: unique, as on
// SQLite) changes nothing.
const CREATE_TOKEN = new LuaScript(
  'token-create',
  `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 1`,
);

// KEYS: tokens, token-hashes. ARGV: name. The hash index entry goes with the token.
const REVOKE_TOKEN = new LuaScript(
  'token-revoke',
  `local text = redis.call('HGET', KEYS[1], ARGV[1])
if not text then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local hash = cjson.decode(text).hash
if redis.call('HGET', KEYS[2], hash) == ARGV[1] then redis.call('HDEL', KEYS[2], hash) end
return 1`,
);

// KEYS: audit, last-id. ARGV: entry JSON object without id. The id is spliced in as text.
const APPEND_AUDIT = new LuaScript(
  'audit-append',
  `local id = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], id, '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2))
return id`,
);

export class RedisAdminAccountStore implements AdminAccountStore {
  constructor(private readonly redis: RedisConnection) {}

  async createAdmin(account: AdminAccount): Promise<boolean> {
    const { name, passwordHash, createdAt, passwordChangedAt } = account;
    const text = JSON.stringify({ name, passwordHash, createdAt, passwordChangedAt });
    return (await this.redis.runDurable('createAdmin', (c) => c.hSetNX(this.redis.keys.admins, name, text))) === 1;
  }

  async getAdmin(name: string): Promise<AdminAccount | undefined> {
    const text = await this.redis.run('getAdmin', (c) => c.hGet(this.redis.keys.admins, name));
    return text === null || text === undefined ? undefined : (JSON.parse(text) as AdminAccount);
  }

  async setPasswordHash(name: string, passwordHash: string, changedAt: number): Promise<boolean> {
    return (await this.redis.runDurable('setPasswordHash', (c) => SET_PASSWORD.run(c, [this.redis.keys.admins], [name, String(changedAt), passwordHash]))) === 1;
  }

  async removeAdmin(name: string): Promise<boolean> {
    return (await this.redis.runDurable('removeAdmin', (c) => c.hDel(this.redis.keys.admins, name))) === 1;
  }

  async listAdmins(): Promise<AdminSummary[]> {
    const all = await this.redis.run('listAdmins', (c) => c.hGetAll(this.redis.keys.admins));
    return Object.values(all)
      .map((text) => JSON.parse(text) as AdminAccount)
      .sort((a, b) => byCodePoint(a.name, b.name))
      .map(({ name, createdAt, passwordChangedAt }) => ({ name, createdAt, passwordChangedAt }));
  }
}

export class RedisApiTokenStore implements ApiTokenStore {
  constructor(private readonly redis: RedisConnection) {}

  async createToken(token: ApiToken): Promise<boolean> {
    const { name, hash, createdAt, createdBy } = token;
    const { apiTokens, apiTokenHashes } = this.redis.keys;
    const text = JSON.stringify({ name, hash, createdAt, createdBy });
    return (await this.redis.runDurable('createToken', (c) => CREATE_TOKEN.run(c, [apiTokens, apiTokenHashes], [name, hash, text]))) === 1;
  }

  async findTokenByHash(hash: string): Promise<ApiToken | undefined> {
    const { apiTokens, apiTokenHashes } = this.redis.keys;
    const text = await this.redis.run('findTokenByHash', async (c) => {
      const name = await c.hGet(apiTokenHashes, hash);
      return name === null || name === undefined ? undefined : c.hGet(apiTokens, name);
    });
    if (text === null || text === undefined) return undefined;
    const token = JSON.parse(text) as ApiToken;
    // The index could only be stale if a script were cut short; never trust it over the token itself.
    return token.hash === hash ? token : undefined;
  }

  async revokeToken(name: string): Promise<boolean> {
    const { apiTokens, apiTokenHashes } = this.redis.keys;
    return (await this.redis.runDurable('revokeToken', (c) => REVOKE_TOKEN.run(c, [apiTokens, apiTokenHashes], [name]))) === 1;
  }

  async listTokens(): Promise<ApiTokenSummary[]> {
    const all = await this.redis.run('listTokens', (c) => c.hGetAll(this.redis.keys.apiTokens));
    return Object.values(all)
      .map((text) => JSON.parse(text) as ApiToken)
      .sort((a, b) => byCodePoint(a.name, b.name))
      .map(({ name, createdAt, createdBy }) => ({ name, createdAt, createdBy }));
  }
}

export class RedisAuditLog implements AuditLog {
  constructor(private readonly redis: RedisConnection) {}

  async append(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    const body: Omit<AuditEntry, 'id'> = { at: entry.at, actor: entry.actor, action: entry.action };
    if (entry.target !== undefined) body.target = entry.target;
    if (entry.oldValue !== undefined) body.oldValue = entry.oldValue;
    if (entry.newValue !== undefined) body.newValue = entry.newValue;
    const text = JSON.stringify(body);
    const { audit, auditLastId } = this.redis.keys;
    const id = Number(await this.redis.runDurable('appendAudit', (c) => APPEND_AUDIT.run(c, [audit, auditLastId], [text])));
    return { id, ...(JSON.parse(text) as Omit<AuditEntry, 'id'>) };
  }

  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = query.limit ?? 50;
    if (limit <= 0) return [];
    const max = query.before === undefined ? '+inf' : `(${query.before}`;
    const texts = await this.redis.run('listAudit', (c) => c.zRange(this.redis.keys.audit, max, '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: limit } }));
    return texts.map((text) => JSON.parse(text) as AuditEntry);
  }
}

/**
 * XEP-0077 invitations in one hash of the `{admin}` slot. Taking one is HGET then HDEL: of
 * concurrent takers only the one whose HDEL removed the field gets it. Expired invitations nobody
 * took are dropped when a new one is made.
 */
export class RedisInvitationStore implements InvitationStore {
  constructor(private readonly redis: RedisConnection) {}

  async createInvitation(i: Invitation): Promise<void> {
    const key = this.redis.keys.invitations;
    await this.redis.runDurable('createInvitation', async (c) => {
      const expired = Object.entries(await c.hGetAll(key)).filter(([, text]) => (JSON.parse(text) as Invitation).expiresAt <= i.createdAt).map(([hash]) => hash);
      const tx = c.multi();
      if (expired.length > 0) tx.hDel(key, expired);
      tx.hSet(key, i.hash, JSON.stringify({ hash: i.hash, createdAt: i.createdAt, createdBy: i.createdBy, expiresAt: i.expiresAt }));
      await tx.exec();
    });
  }

  async takeInvitation(hash: string, now: number): Promise<Invitation | undefined> {
    const key = this.redis.keys.invitations;
    const taken = await this.redis.runDurable('takeInvitation', async (c) => {
      const text = await c.hGet(key, hash);
      if (text === null || text === undefined) return undefined;
      return (await c.hDel(key, hash)) === 1 ? text : undefined;
    });
    if (taken === undefined) return undefined;
    const invitation = JSON.parse(taken) as Invitation;
    return invitation.expiresAt > now ? invitation : undefined;
  }

  async listInvitations(now: number): Promise<Omit<Invitation, 'hash'>[]> {
    const all = await this.redis.run('listInvitations', (c) => c.hVals(this.redis.keys.invitations));
    return all
      .map((text) => JSON.parse(text) as Invitation)
      .filter((i) => i.expiresAt > now)
      .sort((a, b) => a.expiresAt - b.expiresAt || byCodePoint(a.hash, b.hash))
      .map(({ createdAt, createdBy, expiresAt }) => ({ createdAt, createdBy, expiresAt }));
  }
}
