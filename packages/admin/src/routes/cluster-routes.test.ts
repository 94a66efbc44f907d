// The cluster routes of the admin API in a real Koa app on a free loopback port, with a fake
// ClusterAdminService (the real one, on Redis with two nodes, is in server's cluster-admin-api
// e2e test): each route, each validation error, "not a cluster" on a single node, the page's
// session with CSRF, and the audit entries.
import { afterEach, describe, expect, it } from '@jest/globals';
import { failures } from '../http-error.js';
import { Browser, TOKEN, addAdmin, bearer, serve, type Served } from '../__tests__/serve.js';
import type { ClusterAdminService, ClusterView } from './cluster-routes.js';

let served: Served | undefined;
afterEach(() => served?.close());

const address = (n: string) => ({ host: `${n}.example.com`, port: 5222, bosh: `https://${n}.example.com:5280/http-bind`, websocket: `wss://${n}.example.com:5280/xmpp-websocket` });
const VIEW: ClusterView = {
  self: 'imp1a',
  nodes: [
    { name: 'imp1a', pair: 'pair1', isAlive: true, lastSeen: 1000, startedAt: 1, sessions: 3, assignedUsers: 2, address: address('imp1a') },
    { name: 'imp1b', pair: 'pair1', isAlive: false, lastSeen: 900, startedAt: 1, sessions: 0, assignedUsers: 1, address: address('imp1b') },
  ],
  pairs: [{ name: 'pair1', nodes: ['imp1a', 'imp1b'], aliveNodes: 1, sessions: 3, assignedUsers: 3 }],
};

/** Knows users alice and bob (alice on imp1a), nodes imp1a and imp1b, pair pair1. */
function fakeCluster(): ClusterAdminService & { calls: string[] } {
  const homes: Record<string, string> = { alice: 'imp1a', bob: 'imp1b' };
  const calls: string[] = [];
  return {
    calls,
    status: async () => VIEW,
    async assign(username, node) {
      calls.push(`assign ${username} ${node}`);
      if (!(username in homes)) return undefined;
      if (!['imp1a', 'imp1b'].includes(node)) throw failures.invalid({ node: `unknown node '${node}' (known: imp1a, imp1b)` });
      const previous = homes[username];
      homes[username] = node;
      return { username, node, previous, redirected: previous === node ? 0 : 1 };
    },
    async rebalance(pair) {
      calls.push(`rebalance ${pair}`);
      if (pair !== 'pair1') return undefined;
      return { pair, moved: [{ username: 'carol', from: 'imp1a', to: 'imp1b' }], counts: { imp1a: 2, imp1b: 2 } };
    },
  };
}

const json = (method: string, body?: unknown) => ({ method, headers: { ...bearer(TOKEN), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('cluster routes', () => {
  it('GET /api/v1/cluster: nodes, pairs, alive or not, sessions and assigned users', async () => {
    served = await serve({ cluster: () => fakeCluster() });
    const response = await fetch(`${served.base}/api/v1/cluster`, { headers: bearer(TOKEN) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(VIEW);
  });

  it('PUT /api/v1/users/{u}/node moves the user (audited with old and new node), 404 for no such user', async () => {
    const cluster = fakeCluster();
    served = await serve({ cluster: () => cluster });
    const moved = await fetch(`${served.base}/api/v1/users/alice/node`, json('PUT', { node: 'imp1b' }));
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({ username: 'alice', node: 'imp1b', previous: 'imp1a', redirected: 1 });
    const missing = await fetch(`${served.base}/api/v1/users/nobody/node`, json('PUT', { node: 'imp1b' }));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not-found', reason: "no such user 'nobody'" });
    // The same node again changes nothing and is not audited.
    expect((await fetch(`${served.base}/api/v1/users/alice/node`, json('PUT', { node: 'imp1b' }))).status).toBe(200);
    expect((await served.stores.audit.list()).map((e) => [e.actor, e.action, e.target, e.oldValue, e.newValue])).toEqual([['token:bootstrap', 'user.node.assign', 'alice', { node: 'imp1a' }, { node: 'imp1b' }]]);
  });

  it.each([
    [{ node: 'imp9z' }, 'node', "unknown node 'imp9z' (known: imp1a, imp1b)"],
    [{}, 'node', 'required: the name of a node of the cluster'],
    [{ node: 7 }, 'node', 'required: the name of a node of the cluster'],
    [['imp1a'], 'body', 'must be a JSON object'],
  ])('PUT …/node answers 400 naming the field for %j', async (body, field, reason) => {
    served = await serve({ cluster: () => fakeCluster() });
    const response = await fetch(`${served.base}/api/v1/users/alice/node`, json('PUT', body));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid', reason: `${field}: ${reason}`, fields: { [field]: reason } });
    expect(await served.stores.audit.list()).toEqual([]);
  });

  it('PUT …/node needs JSON (415)', async () => {
    served = await serve({ cluster: () => fakeCluster() });
    const response = await fetch(`${served.base}/api/v1/users/alice/node`, { method: 'PUT', headers: { ...bearer(TOKEN), 'content-type': 'text/plain' }, body: 'imp1a' });
    expect(response.status).toBe(415);
  });

  it('POST /api/v1/cluster/pairs/{pair}/rebalance answers what moved (audited with the counts before and after), 404 for no such pair', async () => {
    served = await serve({ cluster: () => fakeCluster() });
    const response = await fetch(`${served.base}/api/v1/cluster/pairs/pair1/rebalance`, { method: 'POST', headers: bearer(TOKEN) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ pair: 'pair1', moved: [{ username: 'carol', from: 'imp1a', to: 'imp1b' }], counts: { imp1a: 2, imp1b: 2 } });
    const missing = await fetch(`${served.base}/api/v1/cluster/pairs/pair9/rebalance`, { method: 'POST', headers: bearer(TOKEN) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not-found', reason: "no pair 'pair9' in this cluster" });
    const [entry] = await served.stores.audit.list();
    expect(entry).toMatchObject({ action: 'cluster.rebalance', target: 'pair1', oldValue: { counts: { imp1a: 3, imp1b: 1 } }, newValue: { counts: { imp1a: 2, imp1b: 2 }, moved: 1 } });
  });

  it('answers 404 "not a cluster" for every cluster route on a single node', async () => {
    served = await serve();
    for (const [path, init] of [
      ['/api/v1/cluster', { headers: bearer(TOKEN) }],
      ['/api/v1/users/alice/node', json('PUT', { node: 'imp1a' })],
      ['/api/v1/cluster/pairs/pair1/rebalance', { method: 'POST', headers: bearer(TOKEN) }],
    ] as const) {
      const response = await fetch(served.base + path, init);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not-found', reason: expect.stringMatching(/^not a cluster: this node runs alone/) });
    }
  });

  it('needs credentials (401) and, from the page, the CSRF token for a change (403)', async () => {
    const cluster = fakeCluster();
    served = await serve({ cluster: () => cluster });
    expect((await fetch(`${served.base}/api/v1/cluster`)).status).toBe(401);
    await addAdmin(served.stores, 'root', 'root password 1');
    const page = new Browser(served.base);
    await page.signIn('root', 'root password 1');
    expect((await page.fetch('/api/v1/cluster')).status).toBe(200);
    expect((await page.fetch('/api/v1/cluster/pairs/pair1/rebalance', { method: 'POST', csrf: false })).status).toBe(403);
    expect((await page.fetch('/api/v1/users/alice/node', { method: 'PUT', json: { node: 'imp1b' }, csrf: false })).status).toBe(403);
    expect(cluster.calls).toEqual([]);
    expect((await page.fetch('/api/v1/users/alice/node', { method: 'PUT', json: { node: 'imp1b' } })).status).toBe(200);
    expect((await served.stores.audit.list()).find((e) => e.action === 'user.node.assign')?.actor).toBe('admin:root');
  });
});
