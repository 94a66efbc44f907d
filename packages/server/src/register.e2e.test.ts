// XEP-0077 in-band registration end to end over real TCP (issue #13): slixmpp's own xep_0077
// plugin registers on a node with register.enabled and then signs in, and the account signs in
// with @xmpp/client too; a node with the default configuration offers no <register/> feature and
// answers service-unavailable; the per-address limit refuses a third registration from loopback;
// with register.requireInvitation an invitation made by the admin API lets slixmpp register, once.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ADMIN_TOKEN, RawConnection, STREAM_HEADER, repoRoot, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

const SCRIPT = path.join(repoRoot, 'packages/server/src/__tests__/slixmpp-register.py');

/** Runs slixmpp-register.py to its end; its JSON lines. */
function slixmppRegister(port: number, jid: string, password: string, invite?: string): Promise<Record<string, any>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [SCRIPT, '--port', String(port), '--jid', jid, '--password', password, ...(invite ? ['--invite', invite] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      const events = out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, any>);
      if (events.length === 0) reject(new Error(`slixmpp-register printed nothing; stderr: ${err.slice(-2000)}`));
      else resolve(events);
    });
  });
}

/** What a raw stream gets for a registration get before authentication: its features, then the reply. */
async function rawRegistration(port: number, body: string): Promise<{ features: string; reply: string }> {
  const raw = await RawConnection.connect(port);
  raw.write(STREAM_HEADER);
  await raw.waitFor(/<\/stream:features>/);
  const features = raw.received;
  raw.write(`<iq type='set' id='r1'><query xmlns='jabber:iq:register'>${body}</query></iq>`);
  await raw.waitFor(/<iq[^>]*id=["']r1["'][^>]*(\/>|>[\s\S]*?<\/iq>)/);
  const reply = raw.received.slice(features.length);
  raw.destroy();
  return { features, reply };
}

let open: TestNode;
let closed: TestNode;
let invited: TestNode;

beforeAll(async () => {
  [open, closed, invited] = await Promise.all([
    startTestNode({ raw: { register: { enabled: true, maxPerAddress: 2, windowSeconds: 3600 } } }),
    startTestNode(),
    startTestNode({ raw: { register: { enabled: true, requireInvitation: true, maxPerAddress: 10 } } }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([open?.stop(), closed?.stop(), invited?.stop()]);
}, 30_000);

describe('XEP-0077 in-band registration (issue #13)', () => {
  it('is off by default: no <register/> feature, and service-unavailable', async () => {
    const { features, reply } = await rawRegistration(closed.port, '<username>mallory</username><password>mallory-pw-1</password>');
    expect(features).toMatch(/<mechanisms/);
    expect(features).not.toMatch(/iq-register/);
    expect(reply).toMatch(/type=["']error["']/);
    expect(reply).toMatch(/<service-unavailable/);
    expect(await closed.node.core.stores.accounts.hasAccount('mallory')).toBe(false);
  });

  it('lets slixmpp register an account and sign in with it; a real client signs in too', async () => {
    const events = await slixmppRegister(open.port, 'nina@localhost', 'nina-password');
    expect(events.map((e) => e.event)).toEqual(['form', 'registered', 'signed-in']);
    expect(events[0]!.fields).toEqual(['password', 'username']);
    const nina = await signIn(open.port, 'nina', 'nina-password');
    expect(nina.jid?.local).toBe('nina');
    await stopClient(nina);
  }, 60_000);

  it('answers a taken name with conflict, and the attempt beyond register.maxPerAddress from one address with resource-constraint', async () => {
    // The test above used one attempt from 127.0.0.1; this is the second (a conflict), then the third is over.
    expect((await rawRegistration(open.port, '<username>nina</username><password>other-password</password>')).reply).toMatch(/<conflict/);
    const { reply } = await rawRegistration(open.port, '<username>oscar</username><password>oscar-password</password>');
    expect(reply).toMatch(/<resource-constraint/);
    expect(reply).toMatch(/register.maxPerAddress/);
    expect(await open.node.core.stores.accounts.hasAccount('oscar')).toBe(false);
  });
});

describe('registration by invitation (register.requireInvitation)', () => {
  it('lets slixmpp register with a token made by POST /api/v1/invitations, once; without a token or with a used one it is forbidden', async () => {
    const made = await fetch(`http://127.0.0.1:${invited.node.ports.admin}/api/v1/invitations`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ expiresInHours: 2 }) });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    expect(token).toMatch(/^dci_/);

    const without = await slixmppRegister(invited.port, 'pia@localhost', 'pia-password');
    expect(without.find((e) => e.event === 'register-error')).toMatchObject({ condition: 'forbidden' });
    const used = await slixmppRegister(invited.port, 'pia@localhost', 'pia-password', token);
    expect(used.map((e) => e.event)).toEqual(['form', 'registered', 'signed-in']);
    const again = await slixmppRegister(invited.port, 'quinn@localhost', 'quinn-password', token);
    expect(again.find((e) => e.event === 'register-error')).toMatchObject({ condition: 'forbidden' });
    expect(await invited.node.core.stores.accounts.hasAccount('quinn')).toBe(false);
    const listed = await fetch(`http://127.0.0.1:${invited.node.ports.admin}/api/v1/invitations`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await listed.json()).toEqual([]);
  }, 90_000);
});
