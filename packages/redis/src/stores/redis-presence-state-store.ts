// PresenceStateStore on Redis: the durable half of a user's presence — the last unavailable
// presence with its time, and outside sources (phone, calendar) — under the user's hash tag, so
// that it survives a node restart and every node sees it. Same contract as SQLite's (run through
// MemoryPresenceStore, as there). The cluster's Redis PresenceStore (volatile port, next) keeps its
// durable part in these same keys.
import type { LastSeen, PresenceStateStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';

export class RedisPresenceStateStore implements PresenceStateStore {
  constructor(private readonly redis: RedisConnection) {}

  async setLastSeen(username: string, { stanza, at }: LastSeen): Promise<void> {
    const key = this.redis.keys.user(username).presenceLastSeen;
    await this.redis.run('setLastSeen', (c) => c.hSet(key, { stanza, at: String(at) }));
  }

  async getLastSeen(username: string): Promise<LastSeen | undefined> {
    const hash = await this.redis.run('getLastSeen', (c) => c.hGetAll(this.redis.keys.user(username).presenceLastSeen));
    return hash.stanza === undefined ? undefined : { stanza: hash.stanza, at: Number(hash.at) };
  }

  async setSource(username: string, source: string, state: string | undefined): Promise<void> {
    const key = this.redis.keys.user(username).presenceSources;
    await this.redis.runDurable('setSource', (c) => (state === undefined ? c.hDel(key, source) : c.hSet(key, source, state)));
  }

  async getSources(username: string): Promise<Record<string, string>> {
    return { ...(await this.redis.run('getSources', (c) => c.hGetAll(this.redis.keys.user(username).presenceSources))) };
  }

  async removeUser(username: string): Promise<void> {
    const k = this.redis.keys.user(username);
    await this.redis.runDurable('removeUser', (c) => c.del([k.presenceLastSeen, k.presenceSources]));
  }
}
