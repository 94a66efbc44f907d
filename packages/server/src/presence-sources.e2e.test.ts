// Composed presence over real sockets (the "Instant messaging" issue, design.md §3): a phone
// system and a calendar push states to the admin HTTP API; bob, subscribed to alice with an
// unmodified @xmpp/client, sees the composed state as the presence of alice's top-priority
// resource — exactly what a priority-following client displays. Bad requests get a 4xx with a
// reason and change nothing.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ADMIN_TOKEN, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

let server: TestNode;
let alice: Client;
let bob: Client;
/** The last presence bob received from each of alice's resources. */
const seen = new Map<string, Element>();

/** What an RFC 6121 client shows for alice: the available resource with the highest priority. */
function displayed(): { show: string; status?: string } | 'offline' {
  const available = [...seen.values()].filter((p) => p.attrs.type === undefined);
  if (available.length === 0) return 'offline';
  const top = available.sort((a, b) => Number(b.getChildText('priority') ?? 0) - Number(a.getChildText('priority') ?? 0))[0];
  return { show: top.getChildText('show') ?? 'available', status: top.getChildText('status') ?? undefined };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}; bob displays ${JSON.stringify(displayed())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = ADMIN_TOKEN, ...rest } = init;
  const headers: Record<string, string> = { ...(rest.body ? { 'content-type': 'application/json' } : {}), ...(rest.headers as Record<string, string>) };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`http://127.0.0.1:${server.node.ports.admin}${path}`, { ...rest, headers });
};
const put = (user: string, source: string, state: unknown) => api(`/api/v1/users/${user}/presence-sources/${source}`, { method: 'PUT', body: JSON.stringify({ state }) });

async function subscribe(from: Client, fromJid: string, to: Client, toJid: string): Promise<void> {
  const asked = new Promise<void>((resolve) => to.on('stanza', (el) => el.is('presence') && el.attrs.type === 'subscribe' && el.attrs.from === fromJid && resolve()));
  await from.send(xml('presence', { to: toJid, type: 'subscribe' }));
  await asked;
  await to.send(xml('presence', { to: fromJid, type: 'subscribed' }));
}

beforeAll(async () => {
  server = await startTestNode();
  await server.addUser('alice', 'pw-alice');
  await server.addUser('bob', 'pw-bob');
  alice = await signIn(server.port, 'alice', 'pw-alice', 'gadget');
  bob = await signIn(server.port, 'bob', 'pw-bob', 'desk');
  bob.on('stanza', (el: Element) => {
    if (el.is('presence') && el.attrs.from?.startsWith('alice@localhost/')) seen.set(el.attrs.from, el);
  });
  // Requests reach available resources (RFC 6121 §3.1.3), so both are available first.
  await alice.send(xml('presence'));
  await bob.send(xml('presence'));
  await subscribe(bob, 'bob@localhost', alice, 'alice@localhost');
  await until(() => displayed() !== 'offline', 'alice online');
});

afterAll(async () => {
  await Promise.all([stopClient(alice), stopClient(bob)]);
  await server.stop();
});

describe('presence sources over the admin API', () => {
  it('shows alice as available before any outside source', () => {
    expect(displayed()).toEqual({ show: 'available', status: undefined });
  });

  it('shows On the phone when the phone system reports on-call', async () => {
    const response = await put('alice', 'phone', 'on-call');
    expect(response.status).toBe(200);
    const report = (await response.json()) as any;
    expect(report.composed).toMatchObject({ isAvailable: true, show: 'away', status: 'On the phone', reason: 'on-call' });
    expect(report.sources).toMatchObject({ phone: 'on-call', resources: [{ resource: 'gadget', show: 'available' }] });
    await until(() => (displayed() as { status?: string }).status === 'On the phone', 'On the phone');
  });

  it('lets a manual Do Not Disturb win over the phone', async () => {
    await alice.send(xml('presence', {}, xml('show', {}, 'dnd'), xml('status', {}, 'coaching')));
    await until(() => (displayed() as { show: string }).show === 'dnd', 'dnd');
    expect(displayed()).toEqual({ show: 'dnd', status: 'coaching' });
    const report = (await (await api('/api/v1/users/alice/presence')).json()) as any;
    expect(report.composed.reason).toBe('manual-dnd');
    await alice.send(xml('presence'));
    await until(() => (displayed() as { status?: string }).status === 'On the phone', 'back to On the phone');
  });

  it('shows In a meeting over a call, and the device state again once both are cleared', async () => {
    expect((await put('alice', 'calendar', 'in-meeting')).status).toBe(200);
    await until(() => (displayed() as { status?: string }).status === 'In a meeting', 'In a meeting');
    expect((await api('/api/v1/users/alice/presence-sources/calendar', { method: 'DELETE' })).status).toBe(200);
    expect((await put('alice', 'phone', 'idle')).status).toBe(200);
    await until(() => (displayed() as { status?: string }).status === undefined, 'available again');
    expect(displayed()).toEqual({ show: 'available', status: undefined });
  });
});

describe('bad admin requests get a 4xx with a reason and change nothing', () => {
  it.each([
    ['no token', () => api('/api/v1/users/alice/presence', { token: null }), 401, 'unauthorized'],
    ['a wrong token', () => api('/api/v1/users/alice/presence', { token: 'wrong-token-wrong-token' }), 401, 'unauthorized'],
    ['an unknown user', () => put('nobody', 'phone', 'on-call'), 404, 'not-found'],
    ['an unknown source', () => put('alice', 'fax', 'on-call'), 404, 'not-found'],
    ['an unknown state', () => put('alice', 'phone', 'ringing'), 400, 'bad-request'],
    ['a state that is not a string', () => put('alice', 'phone', 42), 400, 'bad-request'],
    ['invalid JSON', () => api('/api/v1/users/alice/presence-sources/phone', { method: 'PUT', body: '{"state":' }), 400, 'bad-request'],
    ['a form body', () => api('/api/v1/users/alice/presence-sources/phone', { method: 'PUT', body: 'state=on-call', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported-media-type'],
    ['an invalid username', () => put('a%20b', 'phone', 'on-call'), 400, 'bad-request'],
  ])('%s', async (_what, request, status, code) => {
    const response = await request();
    expect(response.status).toBe(status);
    const body = await response.json();
    expect(body).toMatchObject({ error: code, reason: expect.any(String) });
    if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const report = (await (await api('/api/v1/users/alice/presence')).json()) as any;
    expect(report.sources.phone).toBe('idle');
    expect(displayed()).toEqual({ show: 'available', status: undefined });
  });
});
