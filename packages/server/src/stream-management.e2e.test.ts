// XEP-0198 with real clients against a real node: the connection is cut (by the client, or from
// the server's side), a contact sends messages meanwhile, the client reconnects and resumes
// (<resume previd h/>), and every message arrives exactly once — proven with a later marker.
//   - @xmpp/client over TCP (it enables stream management with resume by itself), the client's
//     socket destroyed;
//   - @xmpp/client over WebSocket (RFC 7395), the WebSocket terminated from the server's side;
//   - slixmpp (Debian's python3-slixmpp, its xep_0198 plugin) over TCP with STARTTLS, driven from
//     stdin (__tests__/slixmpp-sm-client.py), its transport aborted.
// The contact sees no unavailable/available flap. Fails, never skips, when python3-slixmpp is missing.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { WebSocket } from 'ws';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { eventually } from '@deskchat/testing';
import type { Session } from '@deskchat/core';
import { repoRoot, signIn, startTestNode, stopClient, trustCertificate, type TestNode } from './__tests__/e2e-helpers.js';

// @xmpp/websocket uses the WHATWG WebSocket global, which Node 20 lacks; ws implements it.
Object.assign(globalThis, { WebSocket: (globalThis as { WebSocket?: unknown }).WebSocket ?? WebSocket });

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'packages/server/src/__tests__/slixmpp-sm-client.py');

let server: TestNode;
let bob: Client;
/** xmpp.js verifies TLS against the system CAs: the development certificate is trusted for the whole file (reconnections too). */
let untrust: () => void = () => {};
/** Presence bob received from alice's resources: `type from`. */
const aliceSeenByBob: string[] = [];

type SmClient = Client & { streamManagement: { id: string; enabled: boolean; on(event: 'resumed', f: () => void): void } };

beforeAll(async () => {
  server = await startTestNode({ tls: true });
  await server.addUser('alice', 'pw-alice');
  await server.addUser('bob', 'pw-bob');
  // alice and bob see each other's presence (RFC 6121 "both").
  const base = { groups: [], isPendingOut: false, isPreApproved: false, subscription: 'both' as const };
  await server.node.core.stores.roster.setItem('alice', { jid: 'bob@localhost', ...base });
  await server.node.core.stores.roster.setItem('bob', { jid: 'alice@localhost', ...base });
  untrust = await trustCertificate(server.config.tls!.certFile);
  bob = await signIn(server.port, 'bob', 'pw-bob', 'laptop');
  bob.on('stanza', (el: Element) => {
    if (el.is('presence') && el.attrs.from?.startsWith('alice@localhost/') && !el.attrs.from.endsWith('/composed-presence')) aliceSeenByBob.push(`${el.attrs.type ?? 'available'} ${el.attrs.from}`);
  });
  await bob.send(xml('presence'));
}, 30_000);

afterAll(async () => {
  if (bob) await stopClient(bob);
  await server?.stop();
  untrust();
});

const say = (to: string, body: string) => bob.send(xml('message', { to, type: 'chat' }, xml('body', {}, body)));
const sessionOf = (resource: string): Session | undefined => server.node.core.sessions.get('alice', resource);

/** Message bodies a client receives, in order. */
function inbox(xmpp: Client): string[] {
  const bodies: string[] = [];
  xmpp.on('stanza', (el: Element) => {
    if (el.is('message') && el.getChildText('body')) bodies.push(el.getChildText('body')!);
  });
  return bodies;
}

/** An @xmpp/client that stream management made resumable; resolves once <enabled/> came back. */
async function resumableAlice(service: string, resource: string): Promise<{ alice: SmClient; bodies: string[] }> {
  const alice = client({ service, domain: 'localhost', username: 'alice', password: 'pw-alice', resource, timeout: 15000 }) as SmClient; // xmpp.js's 2 s stream-open timeout is missed on a loaded machine
  alice.on('error', () => {});
  alice.reconnect.stop();
  const bodies = inbox(alice);
  await alice.start();
  await eventually(() => alice.streamManagement.enabled && alice.streamManagement.id !== '', 'stream management enabled', 5000);
  await alice.send(xml('presence'));
  await eventually(() => aliceSeenByBob.includes(`available alice@localhost/${resource}`), "bob sees alice's presence", 5000);
  return { alice, bodies };
}

/** Cut, messages meanwhile, reconnect and resume, marker: each message exactly once, no presence flap. */
async function cutAndResume(alice: SmClient, bodies: string[], resource: string, cut: () => void): Promise<void> {
  const full = `alice@localhost/${resource}`;
  await say(full, 'before the cut');
  await eventually(() => bodies.includes('before the cut'), 'the first message', 5000);
  const session = sessionOf(resource)!;
  const presenceBefore = aliceSeenByBob.length;
  cut();
  await eventually(() => session.state === 'hibernated', 'the server hibernates the session', 5000);
  for (const n of [1, 2, 3]) await say(full, `away ${n}`);
  await say('alice@localhost', 'to the bare JID'); // the hibernated resource is still available: it takes bare-JID chats
  const resumed = new Promise<void>((resolve) => alice.streamManagement.on('resumed', resolve));
  await alice.reconnect.reconnect();
  await resumed;
  await say(full, 'marker');
  await eventually(() => bodies.includes('marker'), 'the marker', 5000);
  expect(bodies).toEqual(['before the cut', 'away 1', 'away 2', 'away 3', 'to the bare JID', 'marker']);
  expect(sessionOf(resource)?.id).toBe(session.id);
  expect(sessionOf(resource)?.state).toBe('bound');
  expect(aliceSeenByBob.slice(presenceBefore)).toEqual([]);
}

describe('@xmpp/client', () => {
  it('over TCP: its socket destroyed, it resumes and gets what was sent meanwhile exactly once', async () => {
    const { alice, bodies } = await resumableAlice(`xmpp://127.0.0.1:${server.port}`, 'tcp');
    // After STARTTLS the connection's socket is @xmpp/tls's wrapper around the TLSSocket.
    const socket = (alice as unknown as { socket: { socket: { destroy(): void } } }).socket.socket;
    await cutAndResume(alice, bodies, 'tcp', () => socket.destroy());
    await stopClient(alice);
    await eventually(() => aliceSeenByBob.at(-1) === 'unavailable alice@localhost/tcp', 'unavailable after a clean close', 5000);
  }, 30_000);

  it('over WebSocket: the server drops the connection, the client resumes and gets what was sent meanwhile exactly once', async () => {
    const { alice, bodies } = await resumableAlice(`wss://127.0.0.1:${server.httpPort}/xmpp-websocket`, 'ws');
    const ws = (sessionOf('ws')!.transport as unknown as { ws: WebSocket }).ws;
    await cutAndResume(alice, bodies, 'ws', () => ws.terminate());
    await stopClient(alice);
  }, 30_000);
});

describe('slixmpp', () => {
  interface Script {
    child: ChildProcessWithoutNullStreams;
    events: Array<{ event: string } & Record<string, any>>;
    stderr: string;
    command(line: string): void;
    next(event: string, check?: (e: Record<string, any>) => boolean): Promise<Record<string, any>>;
    exited: Promise<number | null>;
  }

  function startScript(args: string[]): Script {
    const child = spawn(PYTHON, [SCRIPT, '--timeout', '40', '--trace', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const script: Script = {
      child,
      events: [],
      stderr: '',
      command: (line) => void child.stdin.write(`${line}\n`),
      next: async (event, check = () => true) => {
        const found = () => script.events.find((e) => e.event === event && check(e));
        await eventually(() => found() !== undefined, `slixmpp '${event}' (it printed: ${JSON.stringify(script.events)}; stderr tail: ${script.stderr.slice(-3000)})`, 10_000);
        return found()!;
      },
      exited: new Promise((resolve) => child.on('close', resolve)),
    };
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.trim()) script.events.push(JSON.parse(line));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (script.stderr += chunk));
    return script;
  }

  it('over TCP with STARTTLS: its transport aborted, it resumes and gets what was sent meanwhile exactly once', async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import slixmpp'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`python3-slixmpp is missing (${probe.stderr.trim()}): run scripts/install-test-deps.sh`);
    const script = startScript(['--port', String(server.port), '--ca', server.config.tls!.certFile, '--jid', 'alice@localhost/sx', '--password', 'pw-alice']);
    try {
      const enabled = await script.next('sm-enabled');
      expect(enabled).toMatchObject({ resume: true, max: '300' });
      await script.next('online');
      await eventually(() => aliceSeenByBob.includes('available alice@localhost/sx'), "bob sees slixmpp's presence", 5000);
      await say('alice@localhost/sx', 'before the cut');
      await script.next('message', (e) => e.body === 'before the cut');
      const session = sessionOf('sx')!;
      const presenceBefore = aliceSeenByBob.length;
      script.command('cut');
      await script.next('disconnected');
      await eventually(() => session.state === 'hibernated', 'the server hibernates the session', 5000);
      for (const n of [1, 2, 3]) await say('alice@localhost/sx', `away ${n}`);
      script.command('reconnect');
      await script.next('resumed');
      await say('alice@localhost/sx', 'marker');
      await script.next('message', (e) => e.body === 'marker');
      expect(script.events.filter((e) => e.event === 'message').map((e) => e.body)).toEqual(['before the cut', 'away 1', 'away 2', 'away 3', 'marker']);
      expect(script.events.filter((e) => e.event === 'sm-failed' || e.event === 'error')).toEqual([]);
      expect(sessionOf('sx')?.id).toBe(session.id);
      expect(aliceSeenByBob.slice(presenceBefore)).toEqual([]);
      script.command('quit');
      await expect(script.exited).resolves.toBe(0);
      await eventually(() => aliceSeenByBob.at(-1) === 'unavailable alice@localhost/sx', 'unavailable after a clean close', 5000);
    } finally {
      script.child.kill('SIGKILL');
    }
  }, 45_000);
});
