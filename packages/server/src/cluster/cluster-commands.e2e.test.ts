// `deskchat user …`, `deskchat admin …` and `deskchat cluster …` in cluster mode, end to end on a
// real redis-server with fake stdin/stdout/stderr (design.md §5, issue 8 §4, issue 11 "Cluster").
// The running nodes are played by the test: it registers them in the registry, records sessions in
// the session directory, and reads a node's bus stream to see what the commands sent there.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { BusMessage, DirectoryEntry } from '@deskchat/core';
import { RedisClusterRegistry, RedisNodeBus, RedisSessionDirectory, connectRedis, openRedisAdminStores, openRedisStores, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { freePort, startRedisServer, testNode, type RedisTestServer } from '@deskchat/testing';
import { parseToolConfig, type ToolConfig } from '../config.js';
import { runAdminCommand } from '../admins/admin-commands.js';
import { runUserCommand } from '../users/user-commands.js';
import { runClusterCommand } from './cluster-commands.js';

const PREFIX = 'cli:';
let redis: RedisTestServer;
let connection: RedisConnection;
let registry: RedisClusterRegistry;
let directory: RedisSessionDirectory;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer();
  connection = await connectRedis(parseRedisOptions({ url: redis.url, keyPrefix: PREFIX }));
  registry = new RedisClusterRegistry(connection);
  directory = new RedisSessionDirectory(connection);
  dir = mkdtempSync(join(tmpdir(), 'deskchat-cluster-cli-'));
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Two pairs; imp2b has stopped (its registration stays, dead). */
beforeEach(async () => {
  await connection.client.flushAll();
  for (const name of ['imp1a', 'imp1b', 'imp2a', 'imp2b']) await registry.join(testNode(name, name.startsWith('imp1') ? 'pair1' : 'pair2'), 60_000);
  await registry.leave('imp2b', 'imp2b-1');
});

const clusterConfig = (): ToolConfig => parseToolConfig({ dataDir: join(dir, 'data'), tls: {}, cluster: { redisUrl: redis.url, keyPrefix: PREFIX } }, dir);

async function run(command: typeof runUserCommand, args: string[], options: { input?: string; config?: ToolConfig; redisStartTimeoutMs?: number } = {}) {
  const stdin = new PassThrough();
  stdin.end(options.input ?? '');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await command(args, { config: options.config ?? clusterConfig(), stdin, stdout, stderr, ...(options.redisStartTimeoutMs ? { redisStartTimeoutMs: options.redisStartTimeoutMs } : {}) });
  return { code, out, err };
}
const user = (args: string[], options?: Parameters<typeof run>[2]) => run(runUserCommand, args, options);
const cluster = (args: string[], options?: Parameters<typeof run>[2]) => run(runClusterCommand, args, options);

let entrySeq = 0;
/** A signed-in session as a node records it in the session directory. */
async function signedIn(username: string, node: string, resource = 'desk'): Promise<DirectoryEntry> {
  const entry: DirectoryEntry = { username, resource, sessionId: `s${++entrySeq}`, node, transport: 'tcp', isAvailable: true, priority: 0, carbons: false, interested: true, boundAt: Date.now() };
  await directory.register(entry, { maxPerUser: 10, onConflict: 'replace' });
  return entry;
}

describe('deskchat user in cluster mode (Redis)', () => {
  it('adds a user on the node given with --node, storing the account in Redis', async () => {
    const result = await user(['add', 'alice', '--password', 'pw', '--node', 'imp1b']);
    expect(result).toEqual({ code: 0, out: '', err: 'user alice added on node imp1b\n' });
    await expect(registry.assignmentOf('alice')).resolves.toBe('imp1b');
    await expect(openRedisStores(connection).accounts.hasAccount('alice')).resolves.toBe(true);
  });

  it('adds users by default to the live node with the fewest assigned users (never a dead one)', async () => {
    await user(['add', 'alice', '--password', 'pw', '--node', 'imp1b']);
    for (const name of ['bob', 'carol', 'dave', 'erin']) expect((await user(['add', name, '--password', 'pw'])).code).toBe(0);
    const homes = await Promise.all(['bob', 'carol', 'dave', 'erin'].map((u) => registry.assignmentOf(u)));
    expect(homes).toEqual(['imp1a', 'imp2a', 'imp1a', 'imp1b']);
    await expect(registry.assignedCounts()).resolves.toEqual({ imp1a: 2, imp1b: 2, imp2a: 1 });
  });

  it('refuses an unknown node as a usage error naming it, and creates nothing', async () => {
    const result = await user(['add', 'alice', '--password', 'pw', '--node', 'imp9z']);
    expect(result.code).toBe(2);
    expect(result.err).toContain("deskchat: unknown node 'imp9z' (known: imp1a, imp1b, imp2a, imp2b)");
    expect(result.err).toContain('Usage: deskchat user add <username>');
    await expect(openRedisStores(connection).accounts.hasAccount('alice')).resolves.toBe(false);
  });

  it('lists users with their node, and imports a CSV spread over the live nodes', async () => {
    await user(['add', 'alice', '--password', 'pw', '--node', 'imp2a']);
    const imported = await user(['import', '-'], { input: 'username,password\nbob,pw\ncarol,pw\ndave,pw\n' });
    expect(imported.out).toBe('imported 3, skipped 0 (already exist), errors 0\n');
    const listed = await user(['list']);
    expect(listed.code).toBe(0);
    const rows = listed.out.trimEnd().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[4]])).toEqual([
      ['alice', 'imp2a'],
      ['bob', 'imp1a'],
      ['carol', 'imp1b'],
      ['dave', 'imp1a'],
    ]);
  });

  it('imports a CSV onto the node given with --node, and refuses an unknown node before creating anyone', async () => {
    const imported = await user(['import', '-', '--node', 'imp2a'], { input: 'username,password\nbob,pw\ncarol,pw\n' });
    expect(imported.out).toBe('imported 2, skipped 0 (already exist), errors 0\n');
    const rows = (await user(['list'])).out.trimEnd().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[4]])).toEqual([
      ['bob', 'imp2a'],
      ['carol', 'imp2a'],
    ]);
    const refused = await user(['import', '-', '--node', 'imp9z'], { input: 'username,password\ndave,pw\n' });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("deskchat: unknown node 'imp9z'");
    await expect(openRedisStores(connection).accounts.hasAccount('dave')).resolves.toBe(false);
  });

  it('assigns a user to another node, sending each session on a node that no longer serves it there (see-other-host)', async () => {
    await user(['add', 'alice', '--password', 'pw', '--node', 'imp1b']);
    const onOld = await signedIn('alice', 'imp1b', 'desk');
    await signedIn('alice', 'imp1a', 'phone'); // already on the new home: stays
    const bus = new RedisNodeBus(connection);
    const received: BusMessage[] = [];
    const unsubscribe = await bus.subscribe('imp1b', (m) => void received.push(m));
    try {
      const result = await user(['assign', 'Alice', 'imp1a']);
      expect(result).toEqual({ code: 0, out: '', err: 'user alice assigned to imp1a (was imp1b); 1 signed-in session sent to the new home\n' });
      for (const deadline = Date.now() + 5000; received.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      const home = testNode('imp1a', 'pair1');
      expect(received).toEqual([
        {
          type: 'close',
          username: 'alice',
          resource: 'desk',
          sessionId: onOld.sessionId,
          condition: 'see-other-host',
          text: 'alice is now served by imp1a',
          redirect: { host: home.host, port: home.port, bosh: home.bosh, websocket: home.websocket },
        },
      ]);
    } finally {
      await unsubscribe();
      await bus.close();
    }
    await expect(registry.assignmentOf('alice')).resolves.toBe('imp1a');
    const [audit] = await openRedisAdminStores(connection).audit.list();
    expect(audit).toMatchObject({ actor: 'cli', action: 'user.node.assign', target: 'alice', oldValue: { node: 'imp1b' }, newValue: { node: 'imp1a' } });
  });

  it('fails to assign an unknown user (1) or to an unknown node (2)', async () => {
    expect(await user(['assign', 'ghost', 'imp1a'])).toEqual({ code: 1, out: '', err: 'deskchat: no such user ghost\n' });
    await user(['add', 'alice', '--password', 'pw']);
    const result = await user(['assign', 'alice', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^deskchat: unknown node 'nowhere' \(known: imp1a, imp1b, imp2a, imp2b\)\n\nUsage: deskchat user assign <username> <node>/);
  });

  it('removes the assignment with the user', async () => {
    await user(['add', 'alice', '--password', 'pw', '--node', 'imp1a']);
    expect((await user(['remove', 'alice'])).code).toBe(0);
    await expect(registry.assignmentOf('alice')).resolves.toBeUndefined();
    await expect(registry.assignedCounts()).resolves.toEqual({});
  });

  it("ends a removed user's sessions on their nodes (not-authorized) before her data goes", async () => {
    await user(['add', 'alice', '--password', 'pw', '--node', 'imp1a']);
    const session = await signedIn('alice', 'imp1b', 'desk');
    const stores = openRedisStores(connection);
    await stores.roster.setItem('alice', { jid: 'bob@localhost', groups: [], subscription: 'both', isPendingOut: false, isPreApproved: false });
    // imp1b, played here: it ends the session (leaving the directory) and notes whether alice's roster was still there.
    const bus = new RedisNodeBus(connection);
    const received: BusMessage[] = [];
    let rosterAtClose = -1;
    const unsubscribe = await bus.subscribe('imp1b', async (m) => {
      received.push(m);
      rosterAtClose = (await stores.roster.getRoster('alice')).items.length;
      await directory.unregister('alice', 'desk', session.sessionId, 'imp1b');
    });
    try {
      expect(await user(['remove', 'alice'])).toEqual({ code: 0, out: '', err: 'user alice removed; 1 signed-in session ended\n' });
    } finally {
      await unsubscribe();
      await bus.close();
    }
    expect(received).toEqual([{ type: 'close', username: 'alice', resource: 'desk', sessionId: session.sessionId, condition: 'not-authorized', text: 'this account was removed by an administrator' }]);
    expect(rosterAtClose).toBe(1);
    expect((await stores.roster.getRoster('alice')).items).toEqual([]);
  });
});

describe('deskchat cluster status', () => {
  it('prints every node with its pair, state, last heartbeat, sessions held and users assigned', async () => {
    await user(['add', 'alice', '--password', 'pw', '--node', 'imp1a']);
    await user(['add', 'bob', '--password', 'pw', '--node', 'imp1a']);
    await user(['add', 'carol', '--password', 'pw', '--node', 'imp2a']);
    await signedIn('alice', 'imp1a', 'desk');
    await signedIn('alice', 'imp1a', 'phone');
    await signedIn('carol', 'imp1b');
    const result = await cluster(['status']);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.out.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(header).toEqual(['NODE', 'PAIR', 'STATE', 'LAST HEARTBEAT', 'SESSIONS', 'USERS']);
    expect(rows.map((r) => [r[0], r[1], r[2], r[4], r[5]])).toEqual([
      ['imp1a', 'pair1', 'alive', '2', '2'],
      ['imp1b', 'pair1', 'alive', '1', '0'],
      ['imp2a', 'pair2', 'alive', '0', '1'],
      ['imp2b', 'pair2', 'dead', '0', '0'],
    ]);
    expect(rows[0]![3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+ s ago\)$/);
    expect(result.err).toBe('4 nodes (3 alive) in 2 pairs\n');
  });

  it('exits 1 with a clear message when Redis is unreachable', async () => {
    const port = await freePort();
    const config = parseToolConfig({ dataDir: join(dir, 'data'), cluster: { redisUrl: `redis://127.0.0.1:${port}` } }, dir);
    const result = await cluster(['status'], { config, redisStartTimeoutMs: 300 });
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toMatch(new RegExp(`^deskchat: Redis at redis://127\\.0\\.0\\.1:${port} is unreachable \\(.*ECONNREFUSED.*\\) after \\d+(\\.\\d)? s\\n$`));
  });

  it('exits 1 on a single node, saying a cluster is needed', async () => {
    const config = parseToolConfig({ dataDir: join(dir, 'single') }, dir);
    const result = await cluster(['status'], { config });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^deskchat: cluster status needs a cluster: set cluster\.redisUrl \(or DESKCHAT_REDIS_URL\)/);
  });
});

describe('deskchat cluster rebalance', () => {
  it("spreads a pair's users evenly over its two nodes, moving signed-in users last and printing each move", async () => {
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve']) await user(['add', name, '--password', 'pw', '--node', 'imp1a']);
    await user(['add', 'fay', '--password', 'pw', '--node', 'imp1b']);
    await user(['add', 'gus', '--password', 'pw', '--node', 'imp2a']);
    await signedIn('ann', 'imp1a'); // signed in: not among those moved, though first by name
    const result = await cluster(['rebalance', 'pair1']);
    expect(result.code).toBe(0);
    expect(result.out).toBe('ben\timp1a -> imp1b\ncat\timp1a -> imp1b\n');
    expect(result.err).toBe('pair pair1: moved 2 users (now imp1a 3, imp1b 3); signed-in users move at their next sign-in\n');
    await expect(registry.assignedCounts()).resolves.toEqual({ imp1a: 3, imp1b: 3, imp2a: 1 });
    // The signed-in user keeps its session: nothing was sent to imp1a.
    await expect(connection.client.xLen(`${PREFIX}node:{imp1a}:bus`)).resolves.toBe(0);
    const [audit] = await openRedisAdminStores(connection).audit.list();
    expect(audit).toMatchObject({ actor: 'cli', action: 'cluster.rebalance', target: 'pair1', newValue: { moved: 2, counts: { imp1a: 3, imp1b: 3 } } });
    // Balanced already: nothing moves.
    expect((await cluster(['rebalance', 'pair1'])).out).toBe('');
  });

  it('refuses an unknown pair as a usage error naming the known ones', async () => {
    const result = await cluster(['rebalance', 'pair9']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^deskchat: unknown pair 'pair9' \(known: pair1, pair2\)\n\nUsage: deskchat cluster rebalance <pair>/);
  });
});

describe('deskchat admin in cluster mode', () => {
  it('keeps admin accounts in the cluster\'s Redis', async () => {
    const result = await run(runAdminCommand, ['add', 'root', '--password-stdin'], { input: 'long enough password\n' });
    expect(result).toEqual({ code: 0, out: '', err: 'admin root added\n' });
    await expect(openRedisAdminStores(connection).admins.getAdmin('root')).resolves.toMatchObject({ name: 'root' });
  });
});
