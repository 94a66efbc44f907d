// `--cluster N`: DeskChat as N node processes in pairs (imp1a imp1b imp2a imp2b, the names and
// pairs of scripts/cluster.sh) on one redis-server (or, with --redis cluster, a three-primary
// Redis Cluster), all started for the run on free loopback ports
// and stopped after it. The bench users are imported into Redis with `deskchat user import --node`
// onto the node the placement signs them in on (a key derivation each: about 4 ms per user on this
// machine, so 30,000 users take two minutes). The server's CPU and memory are those of every node plus Redis.
import fs from 'node:fs';
import { importUsers, newRunDir, startClusterNode, startRedis, startRedisCluster, type ClusterNodeProcess, type RedisEndpoint } from './cluster-processes.js';
import { username } from './clients.js';
import type { DeskChatLaunch, LaunchedServer } from './deskchat-node.js';
import { nodeOfUser, type Placement } from './placement.js';

/** One redis-server, or a three-primary Redis Cluster (issue #14's comparison). */
export type RedisKind = 'single' | 'cluster';

const NODES = [
  { name: 'imp1a', pair: 'pair1' },
  { name: 'imp1b', pair: 'pair1' },
  { name: 'imp2a', pair: 'pair2' },
  { name: 'imp2b', pair: 'pair2' },
];

// A node that saturates the 2 cores may miss heartbeats for seconds; the bench measures a steady
// cluster, so a peer is declared dead only after 20 s (the failover scenario measures takeovers).
const HEARTBEAT_SECONDS = 2;
const DEAD_AFTER_SECONDS = 20;

export async function startDeskChatCluster(launch: DeskChatLaunch & { nodes: number; placement: Placement; redis: RedisKind }): Promise<LaunchedServer> {
  const runDir = newRunDir('cluster');
  let redisStop: (() => Promise<void>) | undefined;
  let redisPids: number[] = [];
  const nodes: ClusterNodeProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await redisStop?.();
    if (!process.env.DESKCHAT_BENCH_KEEP) fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    let redis: RedisEndpoint;
    if (launch.redis === 'cluster') {
      const cluster = await startRedisCluster(runDir);
      [redis, redisStop, redisPids] = [{ clusterNodes: cluster.clusterNodes }, cluster.stop, cluster.pids];
    } else {
      const single = await startRedis(runDir);
      [redis, redisStop, redisPids] = [{ url: single.url }, single.stop, [single.pid]];
    }
    nodes.push(...(await Promise.all(NODES.slice(0, launch.nodes).map((n) => startClusterNode({ runDir, redis, domain: launch.domain, cpuProfDir: launch.cpuProfDir, ...n, heartbeatSeconds: HEARTBEAT_SECONDS, deadAfterSeconds: DEAD_AFTER_SECONDS })))));
    // Each user's home is the node the placement signs it in on, so no sign-in is redirected.
    launch.log(`importing ${launch.users} bench users into Redis (${'url' in redis ? redis.url : `cluster ${redis.clusterNodes}`}), placed ${launch.placement} over ${nodes.length} nodes`);
    for (const [k, node] of nodes.entries()) {
      const users = Array.from({ length: launch.users }, (_, i) => i).filter((i) => nodeOfUser(i, nodes.length, launch.placement) === k);
      await importUsers(runDir, redis, users.map((i) => username(launch.account, i)), launch.account.password, node.name);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  for (const n of nodes) launch.log(`DeskChat node ${n.name} pid ${n.pid} on 127.0.0.1 c2s ${n.c2s}, http ${n.http}; log ${n.logFile}`);
  const endpoints = nodes.map((n) => ({ host: '127.0.0.1', c2sPort: n.c2s, httpPort: n.http, domain: launch.domain, boshPath: launch.boshPath, wsPath: launch.wsPath }));
  return {
    name: `deskchat-cluster-${launch.nodes}-${launch.placement}${launch.redis === 'cluster' ? '-rediscluster' : ''}`,
    endpoint: endpoints[0],
    endpoints,
    placement: launch.placement,
    account: launch.account,
    pids: [...nodes.map((n) => n.pid), ...redisPids],
    stop,
  };
}
