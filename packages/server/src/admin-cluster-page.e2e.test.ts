// The admin page of a cluster in Debian's Chromium (issue 11 "The admin page": cluster; issue 8 §4)
// against two in-process nodes of one pair on a real redis-server: the Cluster page shows the pair's
// health and each node (alive, sessions, users); on the Users page a user's node is changed with a
// select and its signed-in TCP client is sent to the new home (see-other-host); a user is added on a
// chosen node; a pair is rebalanced only after the confirmation is accepted. Screenshots go to
// test-artifacts/admin-cluster-page/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { hashPassword } from '@deskchat/admin';
import { connectRedis, openRedisAdminStores, parseRedisOptions } from '@deskchat/redis';
import { artifactDir, launchChromium, startRedisServer, type RedisTestServer, type TestBrowser } from '@deskchat/testing';
import { ADMIN_TOKEN, startTestNode, type TestNode } from './__tests__/e2e-helpers.js';
import { TextSocket, signInRaw } from './__tests__/raw-clients.js';

const shots = artifactDir('admin-cluster-page');
let redis: RedisTestServer;
let a: TestNode;
let b: TestNode;
let chromium: TestBrowser;
let context: BrowserContext;
let page: Page;
let aliceSocket: TextSocket;
const pageErrors: string[] = [];

function clusterNode(name: string): Promise<TestNode> {
  return startTestNode({ raw: { cluster: { redisUrl: redis.url, node: name, pair: 'pair1', publicUrl: `http://${name}.test:5280`, publicHost: `${name}.test`, heartbeatSeconds: 1, deadAfterSeconds: 3 } } });
}

const api = async <T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> => {
  const response = await fetch(`http://127.0.0.1:${a.node.ports.admin}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return (await response.json()) as T;
};

const row = (node: string) => page.locator(`tr[data-node="${node}"]`);

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  [a, b] = await Promise.all([clusterNode('imp1a'), clusterNode('imp1b')]);
  const connection = await connectRedis(parseRedisOptions({ url: redis.url }));
  await openRedisAdminStores(connection).admins.createAdmin({ name: 'root', passwordHash: await hashPassword('root password 1'), createdAt: Date.now(), passwordChangedAt: Date.now() });
  await connection.close();
  // imp1a: alice and u1..u3; imp1b: bob.
  for (const [username, node] of [['alice', 'imp1a'], ['u1', 'imp1a'], ['u2', 'imp1a'], ['u3', 'imp1a'], ['bob', 'imp1b']]) await api('/api/v1/users', { method: 'POST', json: { username, password: `pw-${username}`, node } });
  aliceSocket = await TextSocket.plain(a.port);
  await signInRaw(aliceSocket, 'alice', 'pw-alice', 'desk');
  chromium = await launchChromium();
  context = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 90_000);

afterAll(async () => {
  aliceSocket?.socket.destroy();
  await chromium?.close();
  for (const n of [a, b]) await n?.stop().catch(() => undefined);
  await redis?.stop();
});

describe('the admin page of a cluster in Chromium', () => {
  it('shows the pair, its health and each node: alive, last heartbeat, sessions held, users assigned', async () => {
    await page.goto(`http://127.0.0.1:${a.node.ports.admin}/`);
    await page.getByLabel('Admin name').fill('root');
    await page.getByLabel('Password').fill('root password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Desktop Chat Server Settings' }).waitFor();
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.getByRole('heading', { name: 'Pair pair1' }).waitFor();
    await page.locator('.health', { hasText: 'healthy: 2 of 2 nodes alive' }).waitFor();
    await expect(page.locator('#cluster-meta').textContent()).resolves.toMatch(/^2 nodes \(2 alive\) in 1 pair\. This page is served by imp1a\./);
    const cells = async (node: string) => (await row(node).locator('th, td').allTextContents()).slice(0, 5);
    await expect(cells('imp1a')).resolves.toEqual(['imp1a (this node)', 'alive', expect.stringMatching(/^\d+ s ago$/), '1', '4']);
    await expect(cells('imp1b')).resolves.toEqual(['imp1b', 'alive', expect.stringMatching(/^\d+ s ago$/), '0', '1']);
    await page.screenshot({ path: `${shots}/cluster.png` });
  });

  it("moves a user with the Users page's node select; the user's TCP client is sent to the new home", async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    const select = page.getByLabel('Node of alice');
    await select.waitFor();
    await expect(select.inputValue()).resolves.toBe('imp1a');
    await expect(page.getByLabel('Node of bob').inputValue()).resolves.toBe('imp1b');
    await select.selectOption('imp1b');
    await page.locator('#users-status', { hasText: 'alice moved to imp1b (1 signed-in session sent there).' }).waitFor();
    await aliceSocket.waitFor(/<see-other-host xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]>imp1b\.test:\d+<\/see-other-host>/);
    const { users } = await api<{ users: { username: string; node?: string }[] }>('/api/v1/users');
    expect(users.find((u) => u.username === 'alice')?.node).toBe('imp1b');
    await page.screenshot({ path: `${shots}/users-cluster.png` });
  });

  it('adds a user on the node chosen in the form', async () => {
    await page.getByLabel('Username').fill('zed');
    await page.getByLabel('Password (empty: generate one)').fill('zed pw');
    await page.getByLabel('Node', { exact: true }).selectOption('imp1a');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#users-status', { hasText: 'Added zed on imp1a.' }).waitFor();
    await expect(page.getByLabel('Node of zed').inputValue()).resolves.toBe('imp1a');
  });

  it('rebalances a pair only once the confirmation is accepted, and shows what moved', async () => {
    // imp1a: u1, u2, u3, zed; imp1b: alice, bob → one user moves.
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.getByRole('heading', { name: 'Pair pair1' }).waitFor();
    const questions: string[] = [];
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Rebalance pair1' }).click();
    expect(questions).toEqual(['Spread the 6 users of pair1 evenly over imp1a and imp1b? Only assignments change: signed-in users are not disconnected, they move at their next sign-in.']);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Rebalance pair1' }).click();
    await page.locator('#cluster-status', { hasText: 'Moved 1 user of pair1 (now imp1a 3, imp1b 3): u1 imp1a → imp1b.' }).waitFor();
    // The table is refreshed after the status line: wait for its new count.
    const assigned = row('imp1b').locator('td').nth(3);
    for (let waited = 0; (await assigned.textContent()) !== '3' && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    await expect(assigned.textContent()).resolves.toBe('3');
    // The dismissed confirmation did nothing: one rebalance in the audit log, the accepted one.
    const audit = await api<{ action: string; actor: string }[]>('/api/v1/audit?limit=50');
    expect(audit.filter((e) => e.action === 'cluster.rebalance')).toEqual([expect.objectContaining({ actor: 'admin:root' })]);
    await page.screenshot({ path: `${shots}/cluster-rebalanced.png` });
  });

  it('is readable on a narrow window', async () => {
    await page.setViewportSize({ width: 380, height: 800 });
    await page.reload();
    await page.getByRole('heading', { name: 'Pair pair1' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${shots}/cluster-narrow.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
