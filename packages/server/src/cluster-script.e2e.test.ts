// One command, four nodes (issue 8 §7 and "Done means"): `scripts/cluster.sh up` starts Redis with
// AOF and the two pairs of docker-compose.yml as local processes on the ports it is given; real
// clients signed in on different nodes find their home by discovery (XEP-0233 hostnames and
// urn:deskchat:cluster:0), follow see-other-host (RFC 6120 §4.9.3.19) and chat across pairs; the
// gadget is served; `down` leaves no process behind (afterAll runs it even when a test fails).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { hashIndex, parseDocument } from '@deskchat/core';
import { repoRoot, signIn, stopClient, tempDir } from './__tests__/e2e-helpers.js';
import { discoverOverTcp, eventually, readDiscovery } from './__tests__/cluster-helpers.js';

const SCRIPT = path.join(repoRoot, 'scripts/cluster.sh');
const NODES = ['imp1a', 'imp1b', 'imp2a', 'imp2b'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cluster(args: string[], timeoutMs = 90_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DESKCHAT_LOG_LEVEL: 'info' } });
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

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

/** A base port whose 16 node ports (base+10i+0..3) and base+90 (Redis) are free, below the ephemeral range. */
async function freeBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 100 * Math.floor(Math.random() * 120);
    const ports = [...NODES.flatMap((_, i) => [0, 1, 2, 3].map((k) => base + 10 * i + k)), base + 90];
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free block of ports for the cluster');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let dir: string;
let base: number;
let up: Run;
let pids: number[] = [];
const clients: Client[] = [];
const token = () => fs.readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
const httpPort = (i: number) => base + 10 * i;
const adminPort = (i: number) => base + 10 * i + 1;
const c2sPort = (i: number) => base + 10 * i + 2;

/** The first names that a hash of the username places in pair1 and in pair2 (docs/cluster.md). */
function namesByPair(): [string, string] {
  const candidates = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  return [candidates.find((n) => hashIndex(n, 2) === 0)!, candidates.find((n) => hashIndex(n, 2) === 1)!];
}

beforeAll(async () => {
  dir = tempDir('deskchat-cluster-sh-');
  base = await freeBlock();
  // --no-build: `npm test` has built everything before the tests run.
  up = await cluster(['up', '--no-build', '--base-port', String(base), '--dir', dir]);
  pids = [...NODES, 'redis'].map((name) => Number(fs.readFileSync(path.join(dir, 'pids', `${name}.pid`), { encoding: 'utf8', flag: 'a+' })));
  if (up.code !== 0) throw new Error(`cluster.sh up failed (${up.code}): ${up.stderr}${up.stdout}`);
}, 100_000);

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  // Always, so that a failed test leaves no process behind.
  if (dir) await cluster(['down', '--dir', dir], 60_000);
  for (const pid of pids) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
}, 70_000);

describe('scripts/cluster.sh up', () => {
  it('starts Redis with AOF and four nodes in two pairs, each healthy on the ports it prints', async () => {
    const topology = up.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { node: string; pair: string; publicUrl: string; c2sPort: number });
    expect(topology.map((n) => [n.node, n.pair, n.publicUrl, n.c2sPort])).toEqual(NODES.map((name, i) => [name, i < 2 ? 'pair1' : 'pair2', `http://127.0.0.1:${httpPort(i)}`, c2sPort(i)]));
    expect(up.stdout).toContain(`gadget: http://127.0.0.1:${base}/chat/`);
    const status = await cluster(['status', '--dir', dir]);
    expect(status.code).toBe(0);
    for (const [i, name] of NODES.entries()) expect(status.stdout).toMatch(new RegExp(`^${name}: running \\(pid ${pids[i]}\\), http://127\\.0\\.0\\.1:${httpPort(i)}, healthy$`, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^redis: running \\(pid ${pids[4]}\\), port ${base + 90}$`, 'm'));
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('redis-cli', ['-p', String(base + 90), 'CONFIG', 'GET', 'appendonly'], { encoding: 'utf8' })).toMatch(/appendonly\s+yes/);
    for (const [i, name] of NODES.entries()) {
      expect((await fetch(`http://127.0.0.1:${adminPort(i)}/healthz`)).status).toBe(200);
      const started = fs.readFileSync(path.join(dir, 'logs', `${name}.log`), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'DeskChat node started');
      expect(started).toMatchObject({ node: name, pair: i < 2 ? 'pair1' : 'pair2', c2s: c2sPort(i), http: httpPort(i) });
    }
  });

  it('serves the desktop-chat gadget at the URL it prints', async () => {
    const page = await fetch(`http://127.0.0.1:${base}/chat/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script/);
  });

  it('lets clients find their home by discovery, follow see-other-host and chat across pairs', async () => {
    const [inPair1, inPair2] = namesByPair();
    // Accounts through the admin API of one node are everyone's: the store is Redis.
    // Each placed on the first node of the pair its name hashes to (as an unassigned user would be found).
    for (const [username, node] of [[inPair1, 'imp1a'], [inPair2, 'imp2a']]) {
      const added = await fetch(`http://127.0.0.1:${adminPort(3)}/api/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' }, body: JSON.stringify({ username, password: `pw-${username}`, node }) });
      expect(added.status).toBe(201);
    }
    // Discovery on any node, before authentication: the home and its pair peer.
    const first = readDiscovery(parseDocument(await discoverOverTcp(c2sPort(1), `${inPair1}@localhost`)));
    expect(first.home).toMatchObject({ node: 'imp1a', port: String(c2sPort(0)), bosh: `http://127.0.0.1:${httpPort(0)}/http-bind` });
    expect(first.backup).toMatchObject({ node: 'imp1b', port: String(c2sPort(1)) });
    const second = readDiscovery(parseDocument(await discoverOverTcp(c2sPort(0), `${inPair2}@localhost`)));
    expect(second.home).toMatchObject({ node: 'imp2a', port: String(c2sPort(2)), websocket: `ws://127.0.0.1:${httpPort(2)}/xmpp-websocket` });
    expect(second.backup).toMatchObject({ node: 'imp2b' });

    // The first signs in on imp2b, which does not serve it: xmpp.js follows see-other-host to imp1a by itself.
    const one = await signIn(c2sPort(3), inPair1, `pw-${inPair1}`, 'desk');
    clients.push(one);
    const two = await signIn(c2sPort(2), inPair2, `pw-${inPair2}`, 'desk');
    clients.push(two);
    const sessions = async (i: number) => ((await (await fetch(`http://127.0.0.1:${adminPort(i)}/api/v1/status`, { headers: { authorization: `Bearer ${token()}` } })).json()) as { sessions: { tcp: number } }).sessions.tcp;
    expect(await Promise.all(NODES.map((_, i) => sessions(i)))).toEqual([1, 0, 1, 0]);

    const got: Element[] = [];
    for (const c of [one, two]) c.on('stanza', (el: Element) => void got.push(el));
    // Available (RFC 6121 §4.2), so that a message to the bare JID is delivered, not stored offline.
    await Promise.all([one.send(xml('presence')), two.send(xml('presence'))]);
    // RFC 6121 §4.2.2: the server echoes it to the resource itself once it is available.
    for (const name of [inPair1, inPair2]) await eventually(() => got.find((el) => el.is('presence') && el.attrs.from === `${name}@localhost/desk` && el.attrs.to?.startsWith(name)), `${name}'s own presence`);
    await one.send(xml('message', { to: `${inPair2}@localhost`, type: 'chat' }, xml('body', {}, 'from pair1')));
    await two.send(xml('message', { to: `${inPair1}@localhost/desk`, type: 'chat' }, xml('body', {}, 'from pair2')));
    const at = (to: string, body: string) => got.find((el) => el.is('message') && el.attrs.to?.startsWith(to) && el.getChildText('body') === body);
    expect((await eventually(() => at(inPair2, 'from pair1'), 'the message on imp2a')).attrs.from).toBe(`${inPair1}@localhost/desk`);
    expect((await eventually(() => at(inPair1, 'from pair2'), 'the message on imp1a')).attrs.from).toBe(`${inPair2}@localhost/desk`);
  });
});

describe('scripts/cluster.sh down', () => {
  it('stops every process it started and says so in status', async () => {
    await Promise.all(clients.splice(0).map(stopClient));
    const down = await cluster(['down', '--dir', dir], 60_000);
    expect(down.code).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    const status = await cluster(['status', '--dir', dir]);
    expect(status.stdout.trim().split('\n')).toEqual([...NODES, 'redis'].map((name) => `${name}: stopped`));
  }, 70_000);
});
