// PepStore on Redis (XEP-0163 nodes and items, XEP-0115 caps cache). Same contract as core's MemoryPepStore.
//
// Per user, under the user's hash tag (so each change is one Lua script, on a Redis Cluster too):
// `pep:nodes` (hash node → config JSON), `pep:items` (hash JSON [node, id] → JSON {xml, publisher,
// publishedAt}), `pep:order` (sorted set of the same members scored by a per-user counter, higher
// newer) and `pep:meta` (hash: seq, the counter). A node's members share the prefix `["<node>",`
// (its name JSON-encoded), which is how a script picks one node's items out of the order set.
// The caps cache is one global hash in its own slot, `{caps}:features`.
import type { PepItem, PepNode, PepNodeConfig, PepStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import type { UserKeys } from '../keys.js';
import { LuaScript } from '../script.js';

// Shared Lua: drop the node's oldest members past `keep`. KEYS: items, order. (prefix, keep)
const TRIM = `local function trim(prefix, keep)
  local seen = 0
  for _, m in ipairs(redis.call('ZREVRANGE', KEYS[2], 0, -1)) do
    if string.sub(m, 1, #prefix) == prefix then
      seen = seen + 1
      if seen > keep then redis.call('ZREM', KEYS[2], m); redis.call('HDEL', KEYS[1], m) end
    end
  end
end
local function keepOf(cfg)
  local c = cjson.decode(cfg)
  if c.persistItems then return c.maxItems end
  return 0
end
`;

// KEYS: items, order, nodes, meta. ARGV: node, prefix, member, item JSON. Errors when the node does not exist.
const PUBLISH = new LuaScript(
  'pep-publish',
  `${TRIM}local cfg = redis.call('HGET', KEYS[3], ARGV[1])
if not cfg then return redis.error_reply('ERR no such PEP node') end
local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[2], seq, ARGV[3])
trim(ARGV[2], keepOf(cfg))
return 1`,
);

// KEYS: items, order, nodes. ARGV: node, prefix, config JSON.
const SET_NODE = new LuaScript(
  'pep-set-node',
  `${TRIM}redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
trim(ARGV[2], keepOf(ARGV[3]))
return 1`,
);

// KEYS: items, order, nodes. ARGV: node, prefix, delete the node too (1/0). Returns whether the node existed.
const PURGE = new LuaScript(
  'pep-purge',
  `${TRIM}trim(ARGV[2], 0)
if ARGV[3] == '1' then return redis.call('HDEL', KEYS[3], ARGV[1]) end
return 1`,
);

const prefixOf = (node: string) => `[${JSON.stringify(node)},`;
const memberOf = (node: string, id: string) => JSON.stringify([node, id]);

export class RedisPepStore implements PepStore {
  constructor(private readonly redis: RedisConnection) {}

  private keys(username: string): UserKeys {
    return this.redis.keys.user(username);
  }

  async listNodes(username: string): Promise<PepNode[]> {
    const all = await this.redis.run('pepListNodes', (c) => c.hGetAll(this.keys(username).pepNodes));
    return Object.keys(all)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .map((node) => ({ node, config: JSON.parse(all[node]!) as PepNodeConfig }));
  }

  async getNode(username: string, node: string): Promise<PepNode | undefined> {
    const config = await this.redis.run('pepGetNode', (c) => c.hGet(this.keys(username).pepNodes, node));
    return config === null || config === undefined ? undefined : { node, config: JSON.parse(config) as PepNodeConfig };
  }

  async setNode(username: string, node: string, config: PepNodeConfig): Promise<void> {
    const k = this.keys(username);
    await this.redis.runDurable('pepSetNode', (c) => SET_NODE.run(c, [k.pepItems, k.pepOrder, k.pepNodes], [node, prefixOf(node), JSON.stringify(config)]));
  }

  async deleteNode(username: string, node: string): Promise<boolean> {
    const k = this.keys(username);
    return Number(await this.redis.runDurable('pepDeleteNode', (c) => PURGE.run(c, [k.pepItems, k.pepOrder, k.pepNodes], [node, prefixOf(node), 1]))) === 1;
  }

  async publishItem(username: string, node: string, item: PepItem): Promise<void> {
    const k = this.keys(username);
    const value = JSON.stringify({ xml: item.xml, publisher: item.publisher, publishedAt: item.publishedAt });
    await this.redis.runDurable('pepPublish', (c) => PUBLISH.run(c, [k.pepItems, k.pepOrder, k.pepNodes, k.pepMeta], [node, prefixOf(node), memberOf(node, item.id), value]));
  }

  async getItems(username: string, node: string, max?: number): Promise<PepItem[]> {
    const k = this.keys(username);
    const prefix = prefixOf(node);
    const members = (await this.redis.run('pepOrder', (c) => c.zRange(k.pepOrder, 0, -1, { REV: true }))).filter((m) => m.startsWith(prefix));
    const wanted = max === undefined ? members : members.slice(0, max);
    if (wanted.length === 0) return [];
    const values = await this.redis.run('pepItems', (c) => c.hmGet(k.pepItems, wanted));
    const items: PepItem[] = [];
    wanted.forEach((member, i) => {
      const value = values[i];
      if (!value) return;
      const { xml, publisher, publishedAt } = JSON.parse(value) as Omit<PepItem, 'id'>;
      items.push({ id: (JSON.parse(member) as [string, string])[1], xml, publisher, publishedAt });
    });
    return items;
  }

  async retractItem(username: string, node: string, id: string): Promise<boolean> {
    const k = this.keys(username);
    const member = memberOf(node, id);
    const [removed] = await this.redis.runDurable('pepRetract', (c) => c.multi().zRem(k.pepOrder, member).hDel(k.pepItems, member).exec());
    return Number(removed) === 1;
  }

  async purgeNode(username: string, node: string): Promise<void> {
    const k = this.keys(username);
    await this.redis.runDurable('pepPurge', (c) => PURGE.run(c, [k.pepItems, k.pepOrder, k.pepNodes], [node, prefixOf(node), 0]));
  }

  async removeUser(username: string): Promise<void> {
    const k = this.keys(username);
    await this.redis.runDurable('pepRemoveUser', (c) => c.del([k.pepNodes, k.pepItems, k.pepOrder, k.pepMeta]));
  }

  async getCaps(key: string): Promise<string[] | undefined> {
    const features = await this.redis.run('capsGet', (c) => c.hGet(this.redis.keys.capsCache, key));
    return features === null || features === undefined ? undefined : (JSON.parse(features) as string[]);
  }

  async setCaps(key: string, features: string[]): Promise<void> {
    await this.redis.run('capsSet', (c) => c.hSetNX(this.redis.keys.capsCache, key, JSON.stringify(features)));
  }
}
