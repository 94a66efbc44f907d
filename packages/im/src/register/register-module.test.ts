// XEP-0077 In-Band Registration through the in-process harness (streams on fake transports): off by
// default (no feature, service-unavailable), and when enabled the feature before authentication,
// the registration form, account creation that then signs in, conflict and not-acceptable, the
// per-address sliding window, invitations, and after sign-in the password change (§3.3) and
// cancellation (§3.2).
import { describe, it, expect } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { deriveCredentials, removeAccount, type Module } from '@deskchat/core';
import { FakeTransport, Harness, eventually, isStanzaError } from '@deskchat/testing';
import type { AccountAdministration } from '../adhoc/account-administration.js';
import { DATA_NS } from '../adhoc/forms.js';
import { parseRegisterOptions, registerModule, REGISTER_FEATURE_NS, REGISTER_NS, type RegisterOptions } from './register-module.js';
import { SlidingWindow } from './sliding-window.js';

function fakeAccounts(h: () => Harness): AccountAdministration {
  const stores = () => h().core.stores;
  return {
    async add(username, password) {
      const name = username.toLowerCase();
      if (!/^[a-z0-9._-]+$/.test(name)) throw new StanzaError('not-acceptable', `invalid username '${username}'`);
      if (!(await stores().accounts.createAccount({ username: name, createdAt: Date.now(), credentials: deriveCredentials(password, 4096) }))) throw new StanzaError('conflict', `user ${name} already exists`);
      return name;
    },
    remove: (username) => removeAccount(stores(), username, { domain: 'localhost' }),
    setPassword: (username, password) => stores().accounts.setCredentials(username, deriveCredentials(password, 4096)),
    exists: (username) => stores().accounts.hasAccount(username),
    count: () => stores().accounts.countAccounts(),
    onlineSessions: async () => [],
    async endSessions(username, resource, error) {
      const entries = await h().core.directory.resourcesOf(username);
      for (const e of entries) await h().core.closeSession(e, error);
      return entries.length;
    },
  };
}

const tokens = new Set<string>();
const invitations = {
  consume: async (token: string) => (tokens.delete(token) ? async () => void tokens.add(token) : undefined),
};

let h: Harness;
let now = 1_000_000;

async function create(options: Partial<RegisterOptions> = {}): Promise<void> {
  const module = registerModule(fakeAccounts(() => h), invitations, { now: () => now });
  const configured: Module<any> = { ...module, defaults: { ...module.defaults!, ...options } };
  h = await Harness.create({ modules: [configured] });
  await h.addUser('bob', 'bob-password');
}

/** An unauthenticated stream from `address`: its features, and IQs on it. */
async function stream(address = '127.0.0.1', secure = false) {
  const transport = new FakeTransport({ remoteAddress: address, secure });
  const session = h.core.createSession(transport);
  await session.onStreamOpen({ to: 'localhost', version: '1.0', xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAM });
  const features = await transport.next((el) => el.name === 'stream:features');
  let ids = 0;
  const iq = async (type: 'get' | 'set', ...children: Element[]) => {
    const id = `reg${++ids}`;
    await session.onElement(xml('iq', { type, id }, xml('query', { xmlns: REGISTER_NS }, ...children)));
    return transport.next((el) => el.attrs.id === id);
  };
  return { transport, session, features, iq };
}
const fields = (username: string, password: string) => [xml('username', {}, username), xml('password', {}, password)];
const formWith = (values: Record<string, string>) => xml('x', { xmlns: DATA_NS, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, REGISTER_NS)), ...Object.entries(values).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v))));

describe('registration off (the default)', () => {
  it('offers no register feature and answers a registration with service-unavailable, leaving the stream open', async () => {
    await create();
    const { features, iq, transport } = await stream();
    expect(features.getChild('register', REGISTER_FEATURE_NS)).toBeUndefined();
    expect(isStanzaError(await iq('get'), 'service-unavailable')).toBe(true);
    expect(isStanzaError(await iq('set', ...fields('eve', 'eve-password')), 'service-unavailable')).toBe(true);
    expect(transport.closedWith).toBeUndefined();
    expect(await h.core.stores.accounts.hasAccount('eve')).toBe(false);
  });

  it('still closes the stream on any other IQ before authentication (RFC 6120 §6)', async () => {
    await create();
    const { session, transport } = await stream();
    await session.onElement(xml('iq', { type: 'get', id: 'p' }, xml('ping', { xmlns: NS.PING })));
    expect((transport.closedWith as { condition?: string }).condition).toBe('not-authorized');
  });

  it('lets a signed-in user change their own password (§3.3)', async () => {
    await create();
    const bob = await h.connect('bob', { password: 'bob-password' });
    const reply = await bob.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: REGISTER_NS }, ...fields('bob', 'bobs-new-password'))));
    expect(reply.attrs.type).toBe('result');
    await expect(h.connect('bob', { password: 'bob-password' })).rejects.toThrow(/authentication failed/);
    expect((await h.connect('bob', { password: 'bobs-new-password' })).jid.local).toBe('bob');
    expect(isStanzaError(await bob.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: REGISTER_NS }, ...fields('carol', 'long-enough-pw')))), 'not-allowed')).toBe(true);
    expect(isStanzaError(await bob.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: REGISTER_NS }, ...fields('bob', 'short')))), 'not-acceptable')).toBe(true);
  });

  it('refuses a cancellation while registration is off (§3.2)', async () => {
    await create();
    const bob = await h.connect('bob', { password: 'bob-password' });
    expect(isStanzaError(await bob.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: REGISTER_NS }, xml('remove')))), 'not-allowed')).toBe(true);
    expect(await h.core.stores.accounts.hasAccount('bob')).toBe(true);
  });
});

describe('registration on (register.enabled)', () => {
  it('offers <register/> before authentication and a form with username and password (§3.1, §4)', async () => {
    await create({ enabled: true });
    const { features, iq } = await stream();
    expect(features.getChild('register', REGISTER_FEATURE_NS)).toBeDefined();
    const query = (await iq('get')).getChild('query', REGISTER_NS)!;
    expect(query.getChild('instructions')).toBeDefined();
    expect(query.getChild('username')).toBeDefined();
    expect(query.getChild('password')).toBeDefined();
    expect(query.getChild('x', DATA_NS)!.getChildren('field').map((f) => f.attrs.var)).toEqual(['FORM_TYPE', 'username', 'password']);
  });

  it('creates the account, which then signs in; the same name again is a conflict (§3.1)', async () => {
    await create({ enabled: true });
    const { iq } = await stream();
    expect((await iq('set', ...fields('Eve', 'eve-password'))).attrs.type).toBe('result');
    expect((await h.connect('eve', { password: 'eve-password' })).jid.local).toBe('eve');
    expect(isStanzaError(await iq('set', ...fields('eve', 'another-password')), 'conflict')).toBe(true);
  });

  it('accepts the data form too (§4)', async () => {
    await create({ enabled: true });
    const { iq } = await stream();
    expect((await iq('set', formWith({ username: 'frank', password: 'frank-password' }))).attrs.type).toBe('result');
    expect(await h.core.stores.accounts.hasAccount('frank')).toBe(true);
  });

  it('refuses missing data, a bad username and a short password with not-acceptable', async () => {
    await create({ enabled: true, maxPerAddress: 10 });
    const { iq } = await stream();
    expect(isStanzaError(await iq('set', xml('username', {}, 'gina')), 'not-acceptable')).toBe(true);
    expect(isStanzaError(await iq('set', ...fields('bad name', 'long-enough-pw')), 'not-acceptable')).toBe(true);
    const short = await iq('set', ...fields('gina', 'short'));
    expect(isStanzaError(short, 'not-acceptable')).toBe(true);
    expect(StanzaError.fromStanza(short)!.text).toMatch(/register.minPasswordLength/);
    expect(await h.core.stores.accounts.hasAccount('gina')).toBe(false);
  });

  it('refuses registration in the clear from a non-loopback address (not-allowed)', async () => {
    await create({ enabled: true });
    const { iq } = await stream('192.0.2.7', false);
    expect(isStanzaError(await iq('set', ...fields('hank', 'hank-password')), 'not-allowed')).toBe(true);
    const secure = await stream('192.0.2.7', true);
    expect((await secure.iq('set', ...fields('hank', 'hank-password'))).attrs.type).toBe('result');
  });

  it('allows register.maxPerAddress attempts per address in any window, then resource-constraint; other addresses are unaffected', async () => {
    await create({ enabled: true, maxPerAddress: 2, windowSeconds: 60 });
    const a = await stream('127.0.0.2');
    expect((await a.iq('set', ...fields('u1', 'long-enough-pw'))).attrs.type).toBe('result');
    now += 30_000;
    expect((await a.iq('set', ...fields('u2', 'long-enough-pw'))).attrs.type).toBe('result');
    const over = await a.iq('set', ...fields('u3', 'long-enough-pw'));
    expect(isStanzaError(over, 'resource-constraint')).toBe(true);
    expect(StanzaError.fromStanza(over)!.text).toMatch(/try again in 30 s/);
    expect(await h.core.stores.accounts.hasAccount('u3')).toBe(false);
    expect((await (await stream('127.0.0.3')).iq('set', ...fields('u4', 'long-enough-pw'))).attrs.type).toBe('result');
    now += 30_001; // the first attempt left the window; the second is still in it
    expect((await a.iq('set', ...fields('u3', 'long-enough-pw'))).attrs.type).toBe('result');
    expect(isStanzaError(await a.iq('set', ...fields('u5', 'long-enough-pw')), 'resource-constraint')).toBe(true);
  });

  it('cancels a signed-in user\'s account and ends its sessions (§3.2)', async () => {
    await create({ enabled: true });
    const bob = await h.connect('bob', { password: 'bob-password' });
    const reply = await bob.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: REGISTER_NS }, xml('remove'))));
    expect(reply.attrs.type).toBe('result');
    expect(await h.core.stores.accounts.hasAccount('bob')).toBe(false);
    await eventually(() => bob.transport.closedWith !== undefined, 'bob\'s stream closed');
    expect((bob.transport.closedWith as { condition?: string }).condition).toBe('not-authorized');
  });
});

describe('invitations (register.requireInvitation)', () => {
  it('asks for an invite, refuses without one or with an unknown one, and uses a token once', async () => {
    await create({ enabled: true, requireInvitation: true, maxPerAddress: 10 });
    tokens.clear();
    tokens.add('tok-1');
    const { iq } = await stream();
    const form = (await iq('get')).getChild('query', REGISTER_NS)!.getChild('x', DATA_NS)!;
    expect(form.getChildren('field').find((f) => f.attrs.var === 'invite')!.getChild('required')).toBeDefined();
    expect(isStanzaError(await iq('set', ...fields('ivy', 'ivy-password')), 'forbidden')).toBe(true);
    expect(isStanzaError(await iq('set', formWith({ username: 'ivy', password: 'ivy-password', invite: 'nope' })), 'forbidden')).toBe(true);
    // A taken name gives the invitation back.
    expect(isStanzaError(await iq('set', formWith({ username: 'bob', password: 'ivy-password', invite: 'tok-1' })), 'conflict')).toBe(true);
    expect(tokens.has('tok-1')).toBe(true);
    expect((await iq('set', formWith({ username: 'ivy', password: 'ivy-password', invite: 'tok-1' }))).attrs.type).toBe('result');
    expect(tokens.has('tok-1')).toBe(false);
    expect(isStanzaError(await iq('set', formWith({ username: 'jack', password: 'jack-password', invite: 'tok-1' })), 'forbidden')).toBe(true);
  });
});

describe('options and the window', () => {
  it('is off by default and names bad keys', () => {
    expect(parseRegisterOptions(undefined).enabled).toBe(false);
    expect(parseRegisterOptions({ enabled: 'true', maxPerAddress: 3 })).toMatchObject({ enabled: true, maxPerAddress: 3 });
    expect(() => parseRegisterOptions({ maxPerAddress: 0 })).toThrow(/register.maxPerAddress/);
    expect(() => parseRegisterOptions({ open: true })).toThrow(/register.open/);
  });

  it('forgets the least recently used address beyond maxKeys', () => {
    let t = 0;
    const w = new SlidingWindow(1, 1000, () => t, 2);
    expect(w.take('a')).toBe(true);
    expect(w.take('b')).toBe(true);
    expect(w.take('c')).toBe(true);
    expect(w.take('b')).toBe(false);
    expect(w.take('a')).toBe(true); // forgotten
    t = 1001;
    expect(w.take('b')).toBe(true);
  });
});
