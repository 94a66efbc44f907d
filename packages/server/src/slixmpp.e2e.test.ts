// A third-party client end to end: slixmpp (Python, Debian's python3-slixmpp) as alice against a node
// that requires STARTTLS (RFC 6120 §5), signing in with SCRAM (RFC 5802, RFC 7677), fetching the
// roster and subscribing (RFC 6121 §2, §3), chatting (§5), broadcasting dnd (§4), reading a vCard
// (XEP-0054) and searching (XEP-0055), with bob an @xmpp/client here that answers it. The script
// (__tests__/slixmpp-client.py) prints JSON lines of what it observed; the tests assert on them.
// Fails, never skips, when python3-slixmpp is missing (scripts/install-test-deps.sh installs it).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { NS_VCARD } from '@deskchat/im';
import { devCertificate, repoRoot, signIn, startTestNode, stopClient, trustCertificate, type TestNode } from './__tests__/e2e-helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'packages/server/src/__tests__/slixmpp-client.py');
const SCRIPT_SECONDS = 40;

type Observed = { event: string } & Record<string, any>;
interface ScriptRun {
  events: Observed[];
  code: number | null;
  stderr: string;
}

function requireSlixmpp(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import slixmpp'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`python3-slixmpp is missing (${PYTHON} -c 'import slixmpp': ${probe.error?.message ?? probe.stderr.trim()}): run scripts/install-test-deps.sh`);
  }
}

/** Runs the script to its end; SIGKILL after its own global timeout plus a margin, so CI never hangs. */
function runScript(args: string[]): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [SCRIPT, '--timeout', String(SCRIPT_SECONDS), '--trace', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), (SCRIPT_SECONDS + 5) * 1000);
    child.on('close', (code) => {
      clearTimeout(killer);
      const events = stdout
        .split('\n')
        .filter((line) => line.trim())
        .map((line): Observed => {
          try {
            return JSON.parse(line) as Observed;
          } catch {
            return { event: 'unparsed', line };
          }
        });
      resolve({ events, code, stderr });
    });
  });
}

const BOB_VCARD = () => xml('vCard', { xmlns: NS_VCARD }, xml('FN', {}, 'Bob Builder'), xml('NICKNAME', {}, 'bobby'), xml('EMAIL', {}, xml('INTERNET'), xml('USERID', {}, 'bob@example.com')));

const aliceArgs = (caFile: string) => ['--port', String(server.port), '--ca', caFile, '--jid', 'alice@localhost', '--password', 'pw-alice', '--peer', 'bob@localhost'];

let server: TestNode;
let bob: Client;
let run: ScriptRun;
/** Every presence bob received from alice, in order, and every message. */
const fromAlice: Element[] = [];
const messagesToBob: Element[] = [];

/** The script's lines of one kind; fails with the whole transcript when there is none. */
function observed(event: string): Observed[] {
  const found = run.events.filter((e) => e.event === event);
  if (found.length === 0) throw new Error(`the script reported no '${event}'; it printed:\n${run.events.map((e) => JSON.stringify(e)).join('\n')}\nstderr (last 4000 chars):\n${run.stderr.slice(-4000)}`);
  return found;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}; bob got from alice: ${fromAlice.map(String).join(' ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** bob: approves alice's request and asks back (RFC 6121 §3.1.4), answers chats, confirms dnd. */
function actAsBob(xmpp: Client): void {
  xmpp.on('stanza', (el: Element) => {
    const from = el.attrs.from ?? '';
    if (!from.startsWith('alice@localhost')) return;
    if (el.is('presence')) {
      fromAlice.push(el);
      if (el.attrs.type === 'subscribe') {
        void xmpp.send(xml('presence', { to: 'alice@localhost', type: 'subscribed' }));
        void xmpp.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
      }
      if (el.attrs.type === undefined && el.getChildText('show') === 'dnd' && !from.endsWith('/composed-presence')) {
        void xmpp.send(xml('message', { to: from, type: 'chat' }, xml('body', {}, `seen dnd: ${el.getChildText('status')}`)));
      }
    }
    if (el.is('message') && el.getChildText('body')) {
      messagesToBob.push(el);
      void xmpp.send(xml('message', { to: from, type: 'chat' }, xml('body', {}, 'hello alice, from xmpp.js')));
    }
  });
}

beforeAll(async () => {
  requireSlixmpp();
  server = await startTestNode({ tls: true });
  await server.addUser('alice', 'pw-alice');
  await server.addUser('bob', 'pw-bob');
  const untrust = await trustCertificate(server.config.tls!.certFile);
  try {
    bob = await signIn(server.port, 'bob', 'pw-bob', 'desk');
  } finally {
    untrust();
  }
  bob.iqCallee.set(NS.ROSTER, 'query', () => true);
  await bob.iqCaller.set(BOB_VCARD());
  actAsBob(bob);
  await bob.send(xml('presence'));
  run = await runScript(aliceArgs(server.config.tls!.certFile));
}, (SCRIPT_SECONDS + 10) * 1000);

afterAll(async () => {
  if (bob) await stopClient(bob);
  await server?.stop();
});

describe('slixmpp as alice against a node that requires STARTTLS', () => {
  it('runs every step and exits 0 with no error', () => {
    expect(run.events.filter((e) => e.event === 'error' || e.event === 'unparsed')).toEqual([]);
    expect(run.code).toBe(0);
    expect(observed('closing')).toHaveLength(1);
  });

  it('upgrades with STARTTLS and verifies the development certificate for localhost (RFC 6120 §5.4.3.1, §13.7.2)', () => {
    expect(observed('tls')[0]).toMatchObject({ verify_mode: 'CERT_REQUIRED', check_hostname: true, version: expect.stringMatching(/^TLSv1\.[23]$/), peer_subject: { commonName: 'localhost' } });
    expect(observed('signed-in')[0].jid).toMatch(/^alice@localhost\/.+/);
  });

  it('picks SCRAM-SHA-256, the strongest mechanism offered, with no channel binding (RFC 7677; RFC 5802 §6)', () => {
    const [sasl] = observed('sasl');
    expect(sasl.offered).toEqual(expect.arrayContaining(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']));
    expect(sasl.offered.filter((m: string) => m.endsWith('-PLUS'))).toEqual([]);
    expect(sasl.mechanism).toBe('SCRAM-SHA-256');
    expect(sasl.gs2_header).toMatch(/^[ny],,$/); // 'y': slixmpp could bind, the server offers no -PLUS
  });

  it('fetches an empty roster with a version, then holds bob as both from the pushes (RFC 6121 §2.1.3, §2.1.6)', () => {
    const [before, after] = observed('roster');
    expect(before).toMatchObject({ items: {}, ver: expect.any(String) });
    expect(after.items).toEqual({ 'bob@localhost': { subscription: 'both', ask: null, name: null, groups: [] } });
    expect(after.ver).not.toBe(before.ver);
    expect(after.result_items).toBe(0); // asked at the current version: no items sent again (XEP-0237 §5.3)
  });

  it('gets subscribed from bob and his presence, then bob\'s request, which it approves (RFC 6121 §3.1.5, §3.1.6)', async () => {
    expect(observed('subscribed')[0].from).toBe('bob@localhost');
    expect(observed('peer-presence')[0]).toMatchObject({ from: expect.stringMatching(/^bob@localhost\//), type: null });
    expect(observed('subscription-request')[0].from).toBe('bob@localhost');
    expect(fromAlice.filter((p) => p.attrs.type === 'subscribed')).toHaveLength(1);
    const roster = await bob.iqCaller.get(xml('query', { xmlns: NS.ROSTER }));
    expect(roster.getChildren('item').map((i: Element) => [i.attrs.jid, i.attrs.subscription])).toEqual([['alice@localhost', 'both']]);
  });

  it('sends bob a chat message and receives his answer (RFC 6121 §5.2.2)', () => {
    expect(messagesToBob.map((m) => [m.attrs.type, m.getChildText('body')])).toEqual([['chat', 'hello bob, from slixmpp']]);
    expect(observed('message')[0]).toMatchObject({ from: 'bob@localhost/desk', type: 'chat', body: 'hello alice, from xmpp.js' });
  });

  it('broadcasts dnd with its status, and bob sees it (RFC 6121 §4.7.2.1, §4.7.2.2)', () => {
    const dnd = fromAlice.filter((p) => p.attrs.type === undefined && p.getChildText('show') === 'dnd');
    expect(dnd.map((p) => p.getChildText('status'))).toContain('busy with a slixmpp test');
    expect(observed('peer-saw')[0].body).toBe('seen dnd: busy with a slixmpp test');
  });

  it('fetches the vCard bob set (XEP-0054 §3.3)', () => {
    expect(observed('vcard')[0].fields).toMatchObject({ FN: 'Bob Builder', NICKNAME: 'bobby' });
  });

  it('gets the search form and finds bob by the free-text field (XEP-0055 §3)', () => {
    expect(observed('search-form')[0]).toMatchObject({ type: 'form', fields: expect.arrayContaining(['FORM_TYPE', 'search']) });
    const [result] = observed('search-result');
    expect(result.type).toBe('result');
    expect(result.items).toEqual([expect.objectContaining({ jid: 'bob@localhost', name: 'Bob Builder' })]);
  });

  it('closes its stream, and bob then sees every alice resource unavailable (RFC 6121 §4.5.2)', async () => {
    expect(observed('disconnected')).toHaveLength(1);
    const slixmppJid = observed('signed-in')[0].jid as string;
    const lastFrom = () => new Map(fromAlice.filter((p) => p.attrs.type === undefined || p.attrs.type === 'unavailable').map((p) => [p.attrs.from, p.attrs.type ?? 'available']));
    await until(() => [...lastFrom().values()].every((type) => type === 'unavailable'), 'alice unavailable');
    expect(Object.fromEntries(lastFrom())).toEqual({ [slixmppJid]: 'unavailable', 'alice@localhost/composed-presence': 'unavailable' });
  });
});

describe('certificate verification', () => {
  it('stops before SASL when the CA file does not vouch for the server certificate (RFC 6120 §13.7.2.1)', async () => {
    const stranger = devCertificate(); // another self-signed localhost certificate
    const refused = await runScript(aliceArgs(stranger.certFile));
    expect(refused.code).toBe(1);
    expect(refused.events.find((e) => e.event === 'error')).toMatchObject({ step: 'ssl_invalid_chain', message: expect.stringContaining('CERTIFICATE_VERIFY_FAILED') });
    expect(refused.events.map((e) => e.event)).not.toContain('sasl');
  });
});
