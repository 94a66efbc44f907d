// Bad input and faults of a cluster (issue 8 §8), end to end:
//   - Redis unreachable at start: the real `deskchat start` prints one clear line and exits 1;
//   - two nodes started with the same name: the second (a real process) refuses to start;
//   - Redis lost while running, for less than cluster.deadAfterSeconds (killed, then restarted on
//     the same port and directory with AOF): no crash, new sign-ins refused with the stream error
//     internal-server-error and a text, two users on the same node keep chatting, warnings in the
//     log; when Redis is back everything resumes (sign-ins, cross-node traffic) with nothing lost;
//   - Redis lost for longer than cluster.deadAfterSeconds (SIGSTOP: a hung server, as a partition
//     looks from the node): the node fences itself (docs/cluster.md) — every stream ends with
//     system-shutdown, new ones are refused — and serves again once Redis answers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { freePort, startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { RawConnection, STREAM_HEADER, repoRoot, stopClient, tempDir } from './__tests__/e2e-helpers.js';
import { ClusterNode, eventually } from './__tests__/cluster-helpers.js';

const CLI = path.join(repoRoot, 'packages/server/dist/cli.js');
const plain = (user: string) => `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0pw-${user}`).toString('base64')}</auth>`;
const clients: Client[] = [];

/** `deskchat start` as a cluster node; resolves when it exits (or is killed after timeoutMs). */
function startCli(env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const dir = tempDir('deskchat-cli-');
  fs.writeFileSync(path.join(dir, 'deskchat.yaml'), 'cluster: { heartbeatSeconds: 1, deadAfterSeconds: 3 }\n');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'start'], {
      cwd: dir,
      env: { ...process.env, DESKCHAT_DATA_DIR: dir, DESKCHAT_C2S_HOST: '127.0.0.1', DESKCHAT_C2S_PORT: '0', DESKCHAT_C2S_TLS_PORT: '0', DESKCHAT_HTTP_HOST: '127.0.0.1', DESKCHAT_HTTP_PORT: '0', DESKCHAT_ADMIN_PORT: '0', DESKCHAT_FILES_PROXY_PORT: '0', DESKCHAT_ADMIN_TOKEN: 'x'.repeat(24), DESKCHAT_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A new sign-in over raw TCP: the stream error it ends with, as an element. */
async function refusedSignIn(node: ClusterNode, user: string): Promise<Element> {
  const raw = await RawConnection.connect(node.ports.c2s, node.host);
  try {
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write(plain(user));
    const received = await raw.waitFor(/<\/stream:error>/, 10_000);
    const { parseDocument } = await import('@deskchat/core');
    return parseDocument(received.slice(received.lastIndexOf('<stream:error'), received.lastIndexOf('</stream:error>') + 15));
  } finally {
    raw.destroy();
  }
}

const streamErrorOf = (el: Element) => ({
  condition: el.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text')?.name,
  text: el.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-streams'),
});

async function online(node: ClusterNode, user: string, resource: string): Promise<{ xmpp: Client; stanzas: Element[] }> {
  const xmpp = await node.signIn(user, resource);
  clients.push(xmpp);
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  return { xmpp, stanzas };
}

const messageWith = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;
const isReady = async (node: ClusterNode) => (await node.admin('/readyz')).status === 200;

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
});

describe('starting a node', () => {
  it('exits 1 with one clear line when Redis cannot be reached', async () => {
    const nobody = await freePort();
    const run = await startCli({ DESKCHAT_REDIS_URL: `redis://127.0.0.1:${nobody}`, DESKCHAT_NODE: 'imp9a', DESKCHAT_PAIR: 'pair9', DESKCHAT_PUBLIC_URL: 'http://127.0.0.1:7100' }, 30_000);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^deskchat: .*Redis.*127\\.0\\.0\\.1:${nobody}`, 'i'));
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 35_000);

  it('refuses a second node with a live node\'s name: one clear line, exit 1', async () => {
    const redis = await startRedisServer({ aof: true });
    const first = await ClusterNode.start(redis.url, 'imp1a', 'pair1');
    try {
      const run = await startCli({ DESKCHAT_REDIS_URL: redis.url, DESKCHAT_NODE: 'imp1a', DESKCHAT_PAIR: 'pair1', DESKCHAT_PUBLIC_URL: 'http://127.0.0.1:7100' }, 30_000);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(/^deskchat: another live node is named 'imp1a' \(started .*\); node names must be unique \(cluster\.node\)$/);
      // The first node goes on serving.
      expect(await isReady(first)).toBe(true);
    } finally {
      await first.stop();
      await redis.stop();
    }
  }, 35_000);
});

describe('Redis lost while running, for less than cluster.deadAfterSeconds', () => {
  let redis: RedisTestServer;
  let imp1a: ClusterNode, imp1b: ClusterNode;
  let alice: { xmpp: Client; stanzas: Element[] }, bob: { xmpp: Client; stanzas: Element[] }, carol: { xmpp: Client; stanzas: Element[] };

  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    const cluster = { deadAfterSeconds: 20 };
    [imp1a, imp1b] = await Promise.all([ClusterNode.start(redis.url, 'imp1a', 'pair1', { cluster }), ClusterNode.start(redis.url, 'imp1b', 'pair1', { cluster })]);
    for (const [user, home] of [['alice', 'imp1a'], ['bob', 'imp1a'], ['erin', 'imp1a'], ['carol', 'imp1b'], ['dave', 'imp1b']]) {
      await imp1a.addUser(user);
      await imp1a.assign(user, home);
    }
    alice = await online(imp1a, 'alice', 'desk');
    bob = await online(imp1a, 'bob', 'desk');
    carol = await online(imp1b, 'carol', 'desk');
    for (const c of [alice, bob, carol]) await c.xmpp.send(xml('presence'));
    // Something durable to find again afterwards: an offline message for dave.
    await alice.xmpp.send(xml('message', { to: 'dave@localhost', type: 'chat' }, xml('body', {}, 'stored before the outage')));
    await eventually(async () => (await imp1b.running.core.stores.offline.countMessages('dave')) === 1, 'the offline message');
  }, 60_000);

  afterAll(async () => {
    for (const node of [imp1a, imp1b]) await node?.stop().catch(() => undefined);
    await redis?.stop();
  }, 30_000);

  it('keeps running without Redis: alive, not ready, and a warning in the log', async () => {
    await redis.kill();
    await eventually(async () => !(await isReady(imp1a)), 'imp1a not ready', 10_000);
    expect((await imp1a.admin('/healthz')).status).toBe(200);
    const ready = (await (await imp1a.admin('/readyz')).json()) as { checks?: Record<string, { ok: boolean; detail?: string }> } & Record<string, unknown>;
    expect(JSON.stringify(ready)).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable/);
    await eventually(() => imp1a.warnings().some((l) => /redis unavailable/i.test(l.msg ?? '')), 'a warning that Redis is unavailable');
  });

  it('refuses a new sign-in with internal-server-error and a text that says why', async () => {
    const error = streamErrorOf(await refusedSignIn(imp1a, 'erin'));
    expect(error).toEqual({ condition: 'internal-server-error', text: 'the cluster store is unavailable; try again shortly' });
  });

  it('lets two users on the same node keep chatting (full and bare JIDs)', async () => {
    await alice.xmpp.send(xml('message', { to: 'bob@localhost/desk', type: 'chat' }, xml('body', {}, 'during the outage (1)')));
    await eventually(() => bob.stanzas.find(messageWith('during the outage (1)')), 'the full-JID message at bob', 10_000, () => `bob got ${bob.stanzas.map(String).join(' ')}`);
    await bob.xmpp.send(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'during the outage (2)')));
    await eventually(() => alice.stanzas.find(messageWith('during the outage (2)')), 'the bare-JID message at alice', 10_000, () => `alice got ${alice.stanzas.map(String).join(' ')}`);
  }, 30_000);

  it('resumes everything when Redis is back (same port, AOF): sign-ins, traffic across nodes, nothing lost, sessions kept', async () => {
    await redis.restart();
    await eventually(() => isReady(imp1a), 'imp1a ready again', 15_000);
    await eventually(() => isReady(imp1b), 'imp1b ready again', 15_000);
    const erin = await online(imp1a, 'erin', 'late');
    expect(erin.xmpp.jid?.toString()).toBe('erin@localhost/late');
    // Sessions from before the outage are still bound and still in the cluster's directory.
    expect(imp1a.sessionUsers()).toEqual(expect.arrayContaining(['alice@localhost/desk', 'bob@localhost/desk']));
    expect((await imp1b.running.core.router.resourcesOf('alice')).map((r) => [r.jid.toString(), r.node])).toEqual([['alice@localhost/desk', 'imp1a']]);
    await alice.xmpp.send(xml('message', { to: 'carol@localhost', type: 'chat' }, xml('body', {}, 'across nodes after the outage')));
    await eventually(() => carol.stanzas.find(messageWith('across nodes after the outage')), 'the message at carol on imp1b');
    expect(await imp1b.running.core.stores.offline.countMessages('dave')).toBe(1);
    expect(imp1a.warnings().filter((l) => /fenced/.test(l.msg ?? ''))).toEqual([]);
  }, 40_000);
});

describe('Redis lost for longer than cluster.deadAfterSeconds', () => {
  let redis: RedisTestServer;
  let imp1a: ClusterNode;
  let raw: RawConnection;

  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    imp1a = await ClusterNode.start(redis.url, 'imp1a', 'pair1', { cluster: { heartbeatSeconds: 1, deadAfterSeconds: 3 } });
    await imp1a.addUser('alice');
    await imp1a.assign('alice', 'imp1a');
    // A signed-in stream read raw, to see exactly how it ends.
    raw = await RawConnection.connect(imp1a.ports.c2s, imp1a.host);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write(plain('alice'));
    await raw.waitFor(/<success/);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/urn:ietf:params:xml:ns:xmpp-bind/);
    raw.write("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>raw</resource></bind></iq>");
    await raw.waitFor(/alice@localhost\/raw/);
  }, 60_000);

  afterAll(async () => {
    raw?.destroy();
    redis?.resume();
    await imp1a?.stop().catch(() => undefined);
    await redis?.stop();
  }, 30_000);

  it('fences the node: every stream ends with system-shutdown, new ones are refused, then it serves again once Redis answers', async () => {
    redis.pause();
    const closed = await raw.waitFor(/<\/stream:stream>/, 15_000);
    const error = streamErrorOf((await import('@deskchat/core')).parseDocument(closed.slice(closed.lastIndexOf('<stream:error'), closed.lastIndexOf('</stream:error>') + 15)));
    expect(error).toEqual({ condition: 'system-shutdown', text: 'this node lost the cluster store for longer than cluster.deadAfterSeconds' });
    expect(imp1a.log.lines.find((l) => l.level === 'error' && /^fenced/.test(l.msg ?? ''))).toBeDefined();
    expect(imp1a.sessionUsers()).toEqual([]);
    // Refused while fenced: a new stream gets system-shutdown at once.
    const refused = await RawConnection.connect(imp1a.ports.c2s, imp1a.host);
    refused.write(STREAM_HEADER);
    const answer = await refused.waitFor(/<\/stream:stream>|<\/stream:features>/);
    refused.destroy();
    expect(answer).toMatch(/<system-shutdown/);
    redis.resume();
    await eventually(() => imp1a.log.lines.some((l) => l.msg === 'back in the cluster: serving again'), 'the node back in the cluster', 15_000);
    const alice = await online(imp1a, 'alice', 'again');
    expect(imp1a.sessionUsers()).toEqual(['alice@localhost/again']);
    await stopClient(alice.xmpp);
  }, 45_000);
});
