// ClusterRegistry on Redis (design.md §5; issue 8 §4, issue 9 "Liveness and takeover"): which
// nodes exist, which are alive, and each user's home node. Same contract as core's
// MemoryClusterRegistry (@deskchat/testing clusterRegistryContract), with Redis's clock instead of
// an injected one: liveness is a key with a PX TTL, so a node is dead when Redis says its key
// lapsed, whatever the nodes' own clocks say, and "last seen" is Redis time.
//
// Keys, all in slot `{cluster}` (server-wide by nature; one script can check and register):
// - `<P>{cluster}:nodes`: hash name → NodeInfo JSON (with its instance).
// - `<P>{cluster}:last-seen`: hash name → ms of the last join or heartbeat.
// - `<P>{cluster}:alive:<name>`: string, the live instance, PX = the TTL given to join/heartbeat.
//   A node is alive while this key exists and names the registration's instance.
// - `<P>{cluster}:assignments`: hash username → node; `<P>{cluster}:assigned-counts`: hash node →
//   count, changed with it by Lua (balancing reads only the counts).
// Registrations are never removed (as in memory): a dead node's entry stays, dead, and still counts
// as a member of its pair.
import type { ClusterRegistry, JoinResult, NodeInfo, NodeStatus } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

const NOW = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

// KEYS: nodes, last-seen, alive(name). ARGV: name, instance, pair, info JSON, ttlMs.
// Returns {'joined'} | {'name-in-use', holder JSON, lastSeen, isAlive} | {'pair-full', members JSON}.
const JOIN = new LuaScript(
  'cluster-join',
  `${NOW}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local holder = cjson.decode(current)
  if holder.instance ~= ARGV[2] and redis.call('GET', KEYS[3]) == holder.instance then
    return {'name-in-use', current, redis.call('HGET', KEYS[2], ARGV[1]) or '0'}
  end
end
local members = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i] ~= ARGV[1] and cjson.decode(all[i + 1]).pair == ARGV[3] then table.insert(members, all[i]) end
end
if #members >= 2 then return {'pair-full', cjson.encode(members)} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], now)
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[5])
return {'joined'}`,
);

// KEYS: nodes, last-seen, alive(name). ARGV: name, instance, ttlMs. Returns 1, or 0 when the registration is another instance's.
const HEARTBEAT = new LuaScript(
  'cluster-heartbeat',
  `${NOW}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or cjson.decode(current).instance ~= ARGV[2] then return 0 end
-- Lapsed: the node was declared dead (others may have taken over); it must fence itself and join again.
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], now)
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
return 1`,
);

// KEYS: nodes, alive(name). ARGV: name, instance.
const LEAVE = new LuaScript(
  'cluster-leave',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or cjson.decode(current).instance ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[2])
return 1`,
);

// KEYS: assignments, counts. ARGV: username, node ('' to unassign).
const ASSIGN = new LuaScript(
  'cluster-assign',
  `local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] or (not old and ARGV[2] == '') then return 0 end
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
if old and redis.call('HINCRBY', KEYS[2], old, -1) <= 0 then redis.call('HDEL', KEYS[2], old) end
return 1`,
);

export class RedisClusterRegistry implements ClusterRegistry {
  constructor(private readonly redis: RedisConnection) {}

  async join(node: NodeInfo, ttlMs: number): Promise<JoinResult> {
    const k = this.redis.keys;
    const info: NodeInfo = { name: node.name, pair: node.pair, instance: node.instance, startedAt: node.startedAt, host: node.host, port: node.port, bosh: node.bosh, websocket: node.websocket };
    const reply = (await this.redis.run('clusterJoin', (c) =>
      JOIN.run(c, [k.clusterNodes, k.clusterLastSeen, k.clusterAlive(node.name)], [node.name, node.instance, node.pair, JSON.stringify(info), ttl(ttlMs)]),
    )) as string[];
    if (reply[0] === 'joined') return { status: 'joined' };
    if (reply[0] === 'pair-full') return { status: 'pair-full', members: (JSON.parse(reply[1]!) as string[]).sort() };
    return { status: 'name-in-use', holder: { ...(JSON.parse(reply[1]!) as NodeInfo), isAlive: true, lastSeen: Number(reply[2]) } };
  }

  async heartbeat(name: string, instance: string, ttlMs: number): Promise<boolean> {
    const k = this.redis.keys;
    const reply = await this.redis.run('clusterHeartbeat', (c) => HEARTBEAT.run(c, [k.clusterNodes, k.clusterLastSeen, k.clusterAlive(name)], [name, instance, ttl(ttlMs)]));
    return reply === 1;
  }

  async leave(name: string, instance: string): Promise<void> {
    const k = this.redis.keys;
    await this.redis.run('clusterLeave', (c) => LEAVE.run(c, [k.clusterNodes, k.clusterAlive(name)], [name, instance]));
  }

  async nodes(): Promise<NodeStatus[]> {
    const k = this.redis.keys;
    const [infos, lastSeen] = await this.redis.run('clusterNodes', (c) => Promise.all([c.hGetAll(k.clusterNodes), c.hGetAll(k.clusterLastSeen)]));
    const names = Object.keys(infos);
    if (names.length === 0) return [];
    const alive = await this.redis.run('clusterNodes', (c) => c.mGet(names.map((n) => k.clusterAlive(n))));
    return names
      .map((name, i) => {
        const info = JSON.parse(infos[name]!) as NodeInfo;
        return { ...info, isAlive: alive[i] === info.instance, lastSeen: Number(lastSeen[name] ?? 0) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async assignmentOf(username: string): Promise<string | undefined> {
    return (await this.redis.run('assignmentOf', (c) => c.hGet(this.redis.keys.clusterAssignments, username))) ?? undefined;
  }

  async assign(username: string, node: string): Promise<void> {
    if (node === '') throw new Error('assign: the node name must not be empty');
    await this.setAssignment(username, node);
  }

  async unassign(username: string): Promise<void> {
    await this.setAssignment(username, '');
  }

  async assignedCounts(): Promise<Record<string, number>> {
    const counts = await this.redis.run('assignedCounts', (c) => c.hGetAll(this.redis.keys.clusterAssignedCounts));
    return Object.fromEntries(Object.entries(counts).map(([node, n]) => [node, Number(n)]));
  }

  private async setAssignment(username: string, node: string): Promise<void> {
    const k = this.redis.keys;
    await this.redis.run('assign', (c) => ASSIGN.run(c, [k.clusterAssignments, k.clusterAssignedCounts], [username, node]));
  }
}

const ttl = (ms: number) => Math.max(1, Math.round(ms));
