// The admin API of a cluster (issue 11 "Cluster", "Health and metrics"; issue 8 §4) on two real
// nodes of one pair sharing a real redis-server, in this process: the cluster's status from either
// node, users added through the API assigned like the CLI's, a signed-in user moved to the other
// node with its TCP client sent there (see-other-host) and its BOSH client too (see-other-uri), a
// pair rebalanced, every change audited; /metrics with Redis latency and errors and the cluster
// gauges; /readyz failing while Redis is unreachable; a signed-in user removed through the other node.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { ADMIN_TOKEN, startTestNode, type TestNode } from './__tests__/e2e-helpers.js';
import { BoshClient, TextSocket, signInRaw } from './__tests__/raw-clients.js';

let redis: RedisTestServer;
let a: TestNode;
let b: TestNode;
const sockets: TextSocket[] = [];

function clusterNode(name: string): Promise<TestNode> {
  // Discovery and redirects name the public addresses; tests read them, they do not connect to them.
  return startTestNode({ raw: { cluster: { redisUrl: redis.url, node: name, pair: 'pair1', publicUrl: `http://${name}.test:5280`, publicHost: `${name}.test`, heartbeatSeconds: 1, deadAfterSeconds: 3 } } });
}

const api = (node: TestNode, path: string, init: { method?: string; json?: unknown } = {}) =>
  fetch(`http://127.0.0.1:${node.node.ports.admin}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });

/** Reads /metrics: a counter or gauge summed over the samples with these labels; for a histogram, its observation count. */
async function metrics(node: TestNode): Promise<(name: string, labels?: Record<string, string>) => number> {
  const text = await (await api(node, '/metrics')).text();
  const families = parsePrometheusTextFormat(text);
  return (name, labels = {}) => {
    const family = families.find((f) => f.name === name);
    if (!family) throw new Error(`no metric ${name}`);
    const matches = (sample: Record<string, string> | undefined) => Object.entries(labels).every(([k, v]) => sample?.[k] === v);
    if (family.type === 'HISTOGRAM') {
      // The parser keeps only a histogram's buckets; its _count lines carry the labels.
      return [...text.matchAll(new RegExp(`^${name}_count\\{([^}]*)\\} (\\S+)$`, 'gm'))]
        .filter(([, l]) => matches(Object.fromEntries([...l!.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!]))))
        .reduce((n, [, , v]) => n + Number(v), 0);
    }
    return family.metrics.filter((m) => matches(m.labels)).reduce((n, m) => n + Number(m.value), 0);
  };
}

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  [a, b] = await Promise.all([clusterNode('imp1a'), clusterNode('imp1b')]);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.socket.destroy();
  for (const n of [a, b]) await n?.stop().catch(() => undefined);
  await redis?.stop();
});

describe('the cluster on the admin API', () => {
  it('adds users assigned like the CLI (named node, else the least loaded), refusing an unknown node by name', async () => {
    const named = await api(a, '/api/v1/users', { method: 'POST', json: { username: 'alice', password: 'pw-alice', node: 'imp1a' } });
    expect(named.status).toBe(201);
    expect(await named.json()).toEqual({ username: 'alice', node: 'imp1a' });
    const balanced = await api(b, '/api/v1/users', { method: 'POST', json: { username: 'bob', password: 'pw-bob' } });
    expect(await balanced.json()).toEqual({ username: 'bob', node: 'imp1b' });
    const unknown = await api(a, '/api/v1/users', { method: 'POST', json: { username: 'carol', password: 'pw', node: 'imp9z' } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { fields: Record<string, string> }).fields).toEqual({ node: "unknown node 'imp9z' (known: imp1a, imp1b)" });
    expect((await api(a, '/api/v1/users/carol/password', { method: 'PUT', json: { password: 'x' } })).status).toBe(404); // not created
    const list = (await (await api(a, '/api/v1/users')).json()) as { users: { username: string; node?: string }[] };
    expect(list.users.map((u) => [u.username, u.node])).toEqual([
      ['alice', 'imp1a'],
      ['bob', 'imp1b'],
    ]);
    const audit = (await (await api(a, '/api/v1/audit?limit=2')).json()) as { action: string; newValue: { node?: string } }[];
    expect(audit.map((e) => [e.action, e.newValue.node])).toEqual([
      ['user.add', 'imp1b'],
      ['user.add', 'imp1a'],
    ]);
  });

  it('shows nodes, pairs, liveness, sessions held and users assigned, from either node', async () => {
    const socket = await TextSocket.plain(a.port);
    sockets.push(socket);
    await signInRaw(socket, 'alice', 'pw-alice', 'desk');
    const status = (await (await api(b, '/api/v1/cluster')).json()) as { self: string; nodes: Record<string, unknown>[]; pairs: unknown[] };
    expect(status.self).toBe('imp1b');
    expect(status.nodes).toEqual([
      { name: 'imp1a', pair: 'pair1', isAlive: true, lastSeen: expect.any(Number), startedAt: expect.any(Number), sessions: 1, assignedUsers: 1, address: { host: 'imp1a.test', port: expect.any(Number), bosh: 'http://imp1a.test:5280/http-bind', websocket: 'ws://imp1a.test:5280/xmpp-websocket' } },
      { name: 'imp1b', pair: 'pair1', isAlive: true, lastSeen: expect.any(Number), startedAt: expect.any(Number), sessions: 0, assignedUsers: 1, address: expect.objectContaining({ host: 'imp1b.test' }) },
    ]);
    expect(status.pairs).toEqual([{ name: 'pair1', nodes: ['imp1a', 'imp1b'], aliveNodes: 2, sessions: 1, assignedUsers: 2 }]);
  });

  it('moves a signed-in user to the other node: its TCP client gets see-other-host, its BOSH client see-other-uri', async () => {
    const tcp = sockets[0]!; // alice/desk on imp1a (previous test)
    const bosh = new BoshClient(a.httpPort);
    await bosh.signIn('alice', 'pw-alice', 'web');
    const held = bosh.send(); // an empty request the node holds: the terminate comes back on it
    const moved = await api(b, '/api/v1/users/alice/node', { method: 'PUT', json: { node: 'imp1b' } });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({ username: 'alice', node: 'imp1b', previous: 'imp1a', redirected: 2 });
    await tcp.waitFor(/<see-other-host xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]>imp1b\.test:\d+<\/see-other-host>/);
    await tcp.waitClosed();
    const terminate = (await held).body;
    expect(terminate).toMatch(/type=['"]terminate['"]/);
    expect(terminate).toMatch(/condition=['"]see-other-uri['"]/);
    expect(terminate).toContain('<uri>http://imp1b.test:5280/http-bind</uri>');
    // The directory no longer names alice anywhere; the cluster view agrees.
    for (const deadline = Date.now() + 5000; ; ) {
      const status = (await (await api(a, '/api/v1/cluster')).json()) as { pairs: { sessions: number }[] };
      if (status.pairs[0]!.sessions === 0) break;
      if (Date.now() > deadline) throw new Error('alice still has sessions in the directory');
      await new Promise((r) => setTimeout(r, 20));
    }
    const [entry] = (await (await api(a, '/api/v1/audit?limit=1')).json()) as { action: string; target: string; oldValue: unknown; newValue: unknown }[];
    expect(entry).toMatchObject({ action: 'user.node.assign', target: 'alice', oldValue: { node: 'imp1a' }, newValue: { node: 'imp1b' } });
    expect((await api(a, '/api/v1/users/nobody/node', { method: 'PUT', json: { node: 'imp1a' } })).status).toBe(404);
    expect((await api(a, '/api/v1/users/alice/node', { method: 'PUT', json: { node: 'imp2z' } })).status).toBe(400);
  });

  it('rebalances a pair (assignments only) and answers 404 for an unknown pair', async () => {
    // alice and bob are on imp1b now; two more there make it 4 to 0.
    for (const u of ['dan', 'eve']) await api(a, '/api/v1/users', { method: 'POST', json: { username: u, password: 'pw', node: 'imp1b' } });
    const response = await api(a, '/api/v1/cluster/pairs/pair1/rebalance', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      pair: 'pair1',
      moved: [
        { username: 'alice', from: 'imp1b', to: 'imp1a' },
        { username: 'bob', from: 'imp1b', to: 'imp1a' },
      ],
      counts: { imp1a: 2, imp1b: 2 },
    });
    const status = (await (await api(b, '/api/v1/cluster')).json()) as { nodes: { assignedUsers: number }[] };
    expect(status.nodes.map((n) => n.assignedUsers)).toEqual([2, 2]);
    const [entry] = (await (await api(a, '/api/v1/audit?limit=1')).json()) as unknown[];
    expect(entry).toMatchObject({ action: 'cluster.rebalance', target: 'pair1', oldValue: { counts: { imp1a: 0, imp1b: 4 } }, newValue: { counts: { imp1a: 2, imp1b: 2 }, moved: 2 } });
    expect((await api(a, '/api/v1/cluster/pairs/pair9/rebalance', { method: 'POST' })).status).toBe(404);
  });

  it('removes a signed-in user through either node: her session on the other node ends, her contact there is told, her assignment goes', async () => {
    // dan and eve are on imp1b, subscribed to each other; eve is removed through imp1a.
    const item = (jid: string) => ({ jid, groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false });
    await a.node.core.stores.roster.setItem('eve', item('dan@localhost'));
    await a.node.core.stores.roster.setItem('dan', item('eve@localhost'));
    const [eve, dan] = [await TextSocket.plain(b.port), await TextSocket.plain(b.port)];
    sockets.push(eve, dan);
    await signInRaw(eve, 'eve', 'pw', 'desk');
    await signInRaw(dan, 'dan', 'pw', 'desk');
    dan.write("<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>"); // an interested resource (RFC 6121 §2.1.6)
    await dan.waitFor(/id=['"]roster['"]/);
    const removed = await api(a, '/api/v1/users/eve', { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ username: 'eve', sessionsEnded: 1 });
    await eve.waitFor(/<not-authorized xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]/);
    await eve.waitClosed();
    await dan.waitFor(/<item(?=[^>]*jid=['"]eve@localhost['"])(?=[^>]*subscription=['"]none['"])/);
    const status = (await (await api(a, '/api/v1/cluster')).json()) as { pairs: { assignedUsers: number }[] };
    expect(status.pairs[0]!.assignedUsers).toBe(3);
  });
});

describe('metrics and readiness of a cluster node', () => {
  it('exports Redis command latency by operation and the cluster gauges', async () => {
    // bob's home is imp1a since the rebalance.
    const bobSocket = await TextSocket.plain(a.port);
    sockets.push(bobSocket);
    await signInRaw(bobSocket, 'bob', 'pw-bob', 'desk');
    // The first heartbeat comes one heartbeat period after the node started serving.
    let read = await metrics(a);
    for (let waited = 0; read('deskchat_redis_command_seconds', { operation: 'clusterHeartbeat' }) === 0 && waited < 5000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      read = await metrics(a);
    }
    expect(read('deskchat_redis_command_seconds', { operation: 'register' })).toBeGreaterThan(0);
    expect(read('deskchat_redis_command_seconds', { operation: 'clusterHeartbeat' })).toBeGreaterThan(0);
    expect(read('deskchat_cluster_nodes', { state: 'alive' })).toBe(2);
    expect(read('deskchat_cluster_nodes', { state: 'dead' })).toBe(0);
    expect(read('deskchat_cluster_node_sessions', { node: 'imp1a', pair: 'pair1' })).toBe(1);
    expect(read('deskchat_cluster_assigned_users', { node: 'imp1a' })).toBe(2);
    expect(read('deskchat_cluster_assigned_users', { node: 'imp1b' })).toBe(1);
  });

  it('reports Redis unreachable in /readyz (503) and counts Redis errors, then is ready again', async () => {
    const ready = await api(a, '/readyz');
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: Record<string, unknown> }).checks;
    expect(checks.redis).toEqual({ ok: true });
    // The node reads its bus stream (what other nodes send it).
    expect(checks.bus).toEqual({ ok: true });
    const errorsBefore = (await metrics(a))('deskchat_redis_errors_total');
    redis.pause();
    try {
      let body: { status: string; checks: Record<string, { ok: boolean; detail?: string }> } | undefined;
      for (const deadline = Date.now() + 10_000; ; ) {
        const response = await api(a, '/readyz');
        body = (await response.json()) as typeof body;
        if (response.status === 503 && body!.checks.redis?.ok === false) break;
        if (Date.now() > deadline) throw new Error(`still ready: ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(body!.checks.redis).toEqual({ ok: false, detail: expect.stringContaining('Redis is unreachable') });
    } finally {
      redis.resume();
    }
    for (const deadline = Date.now() + 15_000; (await api(a, '/readyz')).status !== 200; ) {
      if (Date.now() > deadline) throw new Error('not ready again after Redis came back');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await metrics(a))('deskchat_redis_errors_total')).toBeGreaterThan(errorsBefore);
  }, 40_000);
});
