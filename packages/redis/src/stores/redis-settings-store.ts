// SettingsStore on Redis. Same contract as core's MemorySettingsStore.
//
// Settings are server-wide, so they live outside any user's slot: one hash of values and the
// revision counter, both under the `{settings}` hash tag so that a write and its revision bump are
// one Lua script on a Cluster too.
import type { SettingsStore, StoredSetting } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: values, revision. ARGV: key, JSON object without revision. The revision is spliced in as
// text (cjson would round large numbers inside the value). Returns the new revision.
const SET = new LuaScript(
  'settings-set',
  `local revision = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], '{"revision":' .. revision .. ',' .. string.sub(ARGV[2], 2))
return revision`,
);

function decode<T>(text: string): StoredSetting<T> {
  return JSON.parse(text) as StoredSetting<T>;
}

export class RedisSettingsStore implements SettingsStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly now: () => number = Date.now,
  ) {}

  async get<T = unknown>(key: string): Promise<StoredSetting<T> | undefined> {
    const text = await this.redis.run('getSetting', (c) => c.hGet(this.redis.keys.settings, key));
    return text === null || text === undefined ? undefined : decode<T>(text);
  }

  async set<T = unknown>(key: string, value: T, updatedBy?: string): Promise<StoredSetting<T>> {
    const body: Omit<StoredSetting<T>, 'revision'> = { value, updatedAt: this.now(), ...(updatedBy === undefined ? {} : { updatedBy }) };
    const text = JSON.stringify(body);
    const { settings, settingsRevision } = this.redis.keys;
    const revision = Number(await this.redis.runDurable('setSetting', (c) => SET.run(c, [settings, settingsRevision], [key, text])));
    // Returned through JSON, as stored, so the caller's object and the result share nothing.
    return { ...(JSON.parse(text) as Omit<StoredSetting<T>, 'revision'>), revision };
  }

  async remove(key: string): Promise<boolean> {
    return (await this.redis.runDurable('removeSetting', (c) => c.hDel(this.redis.keys.settings, key))) === 1;
  }

  async list(): Promise<Record<string, StoredSetting>> {
    const all = await this.redis.run('listSettings', (c) => c.hGetAll(this.redis.keys.settings));
    const out: Record<string, StoredSetting> = {};
    for (const [key, text] of Object.entries(all)) out[key] = decode(text);
    return out;
  }
}
