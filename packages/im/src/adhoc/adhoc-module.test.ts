// XEP-0050 Ad-Hoc Commands with the XEP-0133 administration commands through the in-process
// harness: discovery filtered by who asks (§2.2–2.3), the execute/complete/cancel/prev flow with
// session ids (§3), the errors of §4.6, session timeout and bounds, and each admin command on
// accounts and sessions. The server's real AccountAdministration (the CLI's code) is proved in
// server/src/adhoc.e2e.test.ts; here a small one on the harness's memory stores stands in.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, type StreamError } from '@deskchat/protocol';
import { deriveCredentials, removeAccount, type Module } from '@deskchat/core';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { rosterModule } from '../roster/roster-module.js';
import { adhocModule, parseAdhocOptions, parseAdmins, COMMANDS_NS } from './adhoc-module.js';
import { adminCommands, ADMIN_NS } from './admin-commands.js';
import type { AccountAdministration } from './account-administration.js';
import { DATA_NS } from './forms.js';

const C = COMMANDS_NS;
const node = (name: string) => `${ADMIN_NS}#${name}`;

function fakeAccounts(h: () => Harness): AccountAdministration {
  const stores = () => h().core.stores;
  return {
    async add(username, password) {
      const name = username.toLowerCase();
      if (!/^[a-z0-9._-]+$/.test(name)) throw new StanzaError('not-acceptable', `invalid username '${username}'`);
      if (password.length < 8) throw new StanzaError('not-acceptable', 'password too short');
      if (!(await stores().accounts.createAccount({ username: name, createdAt: Date.now(), credentials: deriveCredentials(password, 4096) }))) throw new StanzaError('conflict', `user ${name} already exists`);
      return name;
    },
    remove: (username) => removeAccount(stores(), username, { domain: 'localhost' }),
    setPassword: (username, password) => stores().accounts.setCredentials(username, deriveCredentials(password, 4096)),
    exists: (username) => stores().accounts.hasAccount(username),
    count: () => stores().accounts.countAccounts(),
    async onlineSessions() {
      const held = await Promise.all(h().cores.map((c) => h().core.directory.entriesOfNode(c.node)));
      return held.flat();
    },
    async endSessions(username: string, resource: string | undefined, error: StreamError) {
      const entries = (await h().core.directory.resourcesOf(username)).filter((e) => resource === undefined || e.resource === resource);
      for (const e of entries) await h().core.closeSession(e, error);
      return entries.length;
    },
  };
}

let h: Harness;
let admin: HarnessClient;
let bob: HarnessClient;
let now = 1_000_000;

async function create(options: Record<string, unknown> = {}): Promise<void> {
  const module = adhocModule(adminCommands(fakeAccounts(() => h), 'localhost'), () => now);
  const configured: Module<any> = { ...module, defaults: { ...module.defaults!, admins: ['admin@localhost'], ...options } };
  h = await Harness.create({ modules: [rosterModule, configured] });
  for (const user of ['admin', 'bob']) await h.addUser(user);
  admin = await h.connect('admin', { resource: 'desk' });
  bob = await h.connect('bob', { resource: 'laptop' });
}

beforeEach(async () => {
  now = 1_000_000;
  await create();
});

const command = (name: string, attrs: Record<string, string> = {}, ...children: Element[]) =>
  xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: C, node: name.startsWith('http') ? name : node(name), ...attrs }, ...children));
const submit = (fields: Record<string, string | string[]>) =>
  xml('x', { xmlns: DATA_NS, type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, ADMIN_NS)), ...Object.entries(fields).map(([k, v]) => xml('field', { var: k }, ...[v].flat().map((one) => xml('value', {}, one)))));
const cmd = (reply: Element) => reply.getChild('command', C)!;
const values = (form: Element | undefined, name: string) => form?.getChildren('field').find((f) => f.attrs.var === name)?.getChildren('value').map((v) => v.text()) ?? [];
const appCondition = (reply: Element) => reply.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === C)?.name;

/** Runs a one-form command to the end: execute, then complete with `fields`. */
async function run(client: HarnessClient, name: string, fields: Record<string, string | string[]>): Promise<Element> {
  const first = await client.iq(command(name));
  expect(first.attrs.type).toBe('result');
  return client.iq(command(name, { sessionid: cmd(first).attrs.sessionid!, action: 'complete' }, submit(fields)));
}

describe('discovery (XEP-0050 §2)', () => {
  it('advertises http://jabber.org/protocol/commands in the server\'s disco#info (§2.1)', async () => {
    const reply = await bob.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(C);
  });

  it('lists the administration commands to an administrator and none to a user (§2.2)', async () => {
    const items = async (client: HarnessClient) => {
      const reply = await client.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS, node: C })));
      expect(reply.getChild('query')!.attrs.node).toBe(C);
      return reply.getChild('query')!.getChildren('item').map((i) => `${i.attrs.jid} ${i.attrs.node}`);
    };
    expect(await items(admin)).toEqual(expect.arrayContaining(['add-user', 'delete-user', 'change-user-password', 'get-online-users-list', 'get-online-users-num', 'get-registered-users-num', 'end-user-session'].map((n) => `localhost ${node(n)}`)));
    expect(await items(bob)).toEqual([]);
  });

  it('answers disco#info of a command node with the command-node identity, forbidden to a user, item-not-found for an unknown node (§2.3)', async () => {
    const info = (client: HarnessClient, n: string) => client.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO, node: n })));
    const reply = await info(admin, node('add-user'));
    const query = reply.getChild('query')!;
    expect(query.attrs.node).toBe(node('add-user'));
    expect(query.getChild('identity')!.attrs).toMatchObject({ category: 'automation', type: 'command-node' });
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toEqual(expect.arrayContaining([C, DATA_NS]));
    expect(isStanzaError(await info(bob, node('add-user')), 'forbidden')).toBe(true);
    expect(isStanzaError(await info(admin, `${ADMIN_NS}#no-such-command`), 'item-not-found')).toBe(true);
  });
});

describe('running a command (XEP-0050 §3)', () => {
  it('answers execute with a session id, the form and the allowed actions, then completes with a note (§3.3–3.4)', async () => {
    const first = await admin.iq(command('add-user'));
    const c = cmd(first);
    expect(c.attrs).toMatchObject({ node: node('add-user'), status: 'executing' });
    expect(c.attrs.sessionid).toMatch(/.{8,}/);
    expect(c.getChild('actions')!.attrs.execute).toBe('complete');
    expect(c.getChild('actions')!.getChild('complete')).toBeDefined();
    const form = c.getChild('x', DATA_NS)!;
    expect(form.attrs.type).toBe('form');
    expect(values(form, 'FORM_TYPE')).toEqual([ADMIN_NS]);
    const required = form.getChildren('field').filter((f) => f.getChild('required')).map((f) => f.attrs.var);
    expect(required).toEqual(['accountjid', 'password', 'password-verify']);
    const done = await admin.iq(command('add-user', { sessionid: c.attrs.sessionid!, action: 'complete' }, submit({ accountjid: 'carol@localhost', password: 'carol-password', 'password-verify': 'carol-password' })));
    expect(cmd(done).attrs).toMatchObject({ status: 'completed', sessionid: c.attrs.sessionid });
    expect(cmd(done).getChild('note')!.attrs.type).toBe('info');
    const carol = await h.connect('carol', { password: 'carol-password' });
    expect(carol.jid.toString()).toMatch(/^carol@localhost\//);
  });

  it('treats execute inside a session as the stage\'s default action (§3.4)', async () => {
    const first = await admin.iq(command('change-user-password'));
    const done = await admin.iq(command('change-user-password', { sessionid: cmd(first).attrs.sessionid! }, submit({ accountjid: 'bob@localhost', password: 'bobs-new-password' })));
    expect(cmd(done).attrs.status).toBe('completed');
  });

  it('cancels a session; the id is then unknown (§3.4, §4.6 bad-sessionid)', async () => {
    const first = await admin.iq(command('add-user'));
    const sessionid = cmd(first).attrs.sessionid!;
    const canceled = await admin.iq(command('add-user', { sessionid, action: 'cancel' }));
    expect(cmd(canceled).attrs.status).toBe('canceled');
    const again = await admin.iq(command('add-user', { sessionid, action: 'complete' }, submit({ accountjid: 'x@localhost', password: 'long-password', 'password-verify': 'long-password' })));
    expect(isStanzaError(again, 'bad-request')).toBe(true);
    expect(appCondition(again)).toBe('bad-sessionid');
  });
});

describe('errors (XEP-0050 §4.6)', () => {
  it('refuses a user with forbidden, and an unknown node with item-not-found', async () => {
    expect(isStanzaError(await bob.iq(command('add-user')), 'forbidden')).toBe(true);
    expect(isStanzaError(await bob.iq(command('get-online-users-num')), 'forbidden')).toBe(true);
    expect(isStanzaError(await admin.iq(command('no-such-command')), 'item-not-found')).toBe(true);
  });

  it('names a missing required field with bad-request and <bad-payload/>, and keeps the session', async () => {
    const first = await admin.iq(command('add-user'));
    const sessionid = cmd(first).attrs.sessionid!;
    const missing = await admin.iq(command('add-user', { sessionid, action: 'complete' }, submit({ accountjid: 'dave@localhost', password: 'dave-password' })));
    expect(isStanzaError(missing, 'bad-request')).toBe(true);
    expect(appCondition(missing)).toBe('bad-payload');
    expect(StanzaError.fromStanza(missing)!.text).toMatch(/password-verify/);
    const noForm = await admin.iq(command('add-user', { sessionid, action: 'complete' }));
    expect(appCondition(noForm)).toBe('bad-payload');
    const done = await admin.iq(command('add-user', { sessionid, action: 'complete' }, submit({ accountjid: 'dave@localhost', password: 'dave-password', 'password-verify': 'dave-password' })));
    expect(cmd(done).attrs.status).toBe('completed');
  });

  it('answers an unknown action with <malformed-action/>, and one the stage does not allow with <bad-action/>', async () => {
    const malformed = await admin.iq(command('add-user', { action: 'jump' }));
    expect(isStanzaError(malformed, 'bad-request')).toBe(true);
    expect(appCondition(malformed)).toBe('malformed-action');
    expect(appCondition(await admin.iq(command('add-user', { action: 'complete' })))).toBe('bad-action');
    const sessionid = cmd(await admin.iq(command('add-user'))).attrs.sessionid!;
    expect(appCondition(await admin.iq(command('add-user', { sessionid, action: 'next' }, submit({}))))).toBe('bad-action');
    expect(appCondition(await admin.iq(command('add-user', { sessionid, action: 'prev' })))).toBe('bad-action');
  });

  it('answers a session id that is unknown, another resource\'s or another command\'s with <bad-sessionid/>', async () => {
    expect(appCondition(await admin.iq(command('add-user', { sessionid: 'nope', action: 'cancel' })))).toBe('bad-sessionid');
    const sessionid = cmd(await admin.iq(command('add-user'))).attrs.sessionid!;
    const other = await h.connect('admin', { resource: 'phone' });
    expect(appCondition(await other.iq(command('add-user', { sessionid, action: 'cancel' })))).toBe('bad-sessionid');
    expect(appCondition(await admin.iq(command('delete-user', { sessionid, action: 'cancel' })))).toBe('bad-sessionid');
    expect(cmd(await admin.iq(command('add-user', { sessionid, action: 'cancel' }))).attrs.status).toBe('canceled');
  });

  it('ends a session sessionTimeoutSeconds after its last step', async () => {
    const sessionid = cmd(await admin.iq(command('add-user'))).attrs.sessionid!;
    now += 599_000;
    expect(isStanzaError(await admin.iq(command('add-user', { sessionid, action: 'complete' }, submit({}))), 'bad-request')).toBe(true); // still open: a missing field
    now += 599_000;
    expect(appCondition(await admin.iq(command('add-user', { sessionid, action: 'complete' }, submit({}))))).toBe('bad-payload'); // the step above renewed it
    now += 600_000;
    expect(appCondition(await admin.iq(command('add-user', { sessionid, action: 'cancel' })))).toBe('bad-sessionid');
  });

  it('bounds the open sessions per user with resource-constraint (adhoc.maxSessionsPerUser)', async () => {
    await create({ maxSessionsPerUser: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(cmd(await admin.iq(command('add-user'))).attrs.sessionid!);
    expect(isStanzaError(await admin.iq(command('add-user')), 'resource-constraint')).toBe(true);
    await admin.iq(command('add-user', { sessionid: ids[0]!, action: 'cancel' }));
    expect(cmd(await admin.iq(command('add-user'))).attrs.status).toBe('executing');
  });
});

describe('the administration commands (XEP-0133)', () => {
  it('add-user refuses a taken name with conflict, differing passwords and a JID of another domain with not-acceptable (§4.1)', async () => {
    expect(isStanzaError(await run(admin, 'add-user', { accountjid: 'bob@localhost', password: 'long-password', 'password-verify': 'long-password' }), 'conflict')).toBe(true);
    expect(isStanzaError(await run(admin, 'add-user', { accountjid: 'erin@localhost', password: 'long-password', 'password-verify': 'other-password' }), 'not-acceptable')).toBe(true);
    expect(isStanzaError(await run(admin, 'add-user', { accountjid: 'erin@elsewhere.example', password: 'long-password', 'password-verify': 'long-password' }), 'not-acceptable')).toBe(true);
    expect(await h.core.stores.accounts.hasAccount('erin')).toBe(false);
  });

  it('delete-user removes the account and its data and ends its sessions (§4.2)', async () => {
    await h.core.stores.roster.setItem('bob', { jid: 'admin@localhost', subscription: 'both', groups: [], isPendingOut: false, isPreApproved: false });
    const done = await run(admin, 'delete-user', { accountjids: ['bob@localhost', 'nobody@localhost'] });
    expect(cmd(done).attrs.status).toBe('completed');
    expect(cmd(done).getChildren('note').map((n) => n.attrs.type)).toEqual(['info', 'warn']);
    expect(await h.core.stores.accounts.hasAccount('bob')).toBe(false);
    expect(await h.core.stores.roster.getRoster('bob')).toEqual(expect.objectContaining({ items: [] }));
    expect((bob.transport.closedWith as StreamError | undefined)?.condition).toBe('not-authorized');
    expect(isStanzaError(await run(admin, 'delete-user', { accountjids: 'nobody@localhost' }), 'item-not-found')).toBe(true);
  });

  it('change-user-password sets a new password; the old one no longer signs in (§4.7)', async () => {
    expect(cmd(await run(admin, 'change-user-password', { accountjid: 'bob@localhost', password: 'bobs-new-password' })).attrs.status).toBe('completed');
    await expect(h.connect('bob', { password: 'secret' })).rejects.toThrow(/authentication failed/);
    expect((await h.connect('bob', { password: 'bobs-new-password' })).jid.local).toBe('bob');
    expect(isStanzaError(await run(admin, 'change-user-password', { accountjid: 'nobody@localhost', password: 'long-password' }), 'item-not-found')).toBe(true);
  });

  it('get-online-users-list lists each online user once, within max_items (§4.21)', async () => {
    await h.connect('bob', { resource: 'phone' });
    const form = cmd(await run(admin, 'get-online-users-list', { max_items: '100' })).getChild('x', DATA_NS)!;
    expect(form.attrs.type).toBe('result');
    expect(values(form, 'onlineuserjids')).toEqual(['admin@localhost', 'bob@localhost']);
    expect(values(cmd(await run(admin, 'get-online-users-list', { max_items: '25' })).getChild('x', DATA_NS), 'onlineuserjids')).toHaveLength(2);
    expect(isStanzaError(await run(admin, 'get-online-users-list', { max_items: '7' }), 'not-acceptable')).toBe(true);
  });

  it('get-online-users-num and get-registered-users-num complete at once with the counts (§4.15–4.16)', async () => {
    await h.addUser('carol');
    const online = cmd(await admin.iq(command('get-online-users-num')));
    expect(online.attrs.status).toBe('completed');
    expect(values(online.getChild('x', DATA_NS), 'onlineusersnum')).toEqual(['2']);
    expect(values(cmd(await admin.iq(command('get-registered-users-num'))).getChild('x', DATA_NS), 'registeredusersnum')).toEqual(['3']);
  });

  it('end-user-session ends one resource for a full JID and all for a bare JID (§4.11)', async () => {
    const phone = await h.connect('bob', { resource: 'phone' });
    await run(admin, 'end-user-session', { accountjids: 'bob@localhost/phone' });
    expect((phone.transport.closedWith as StreamError | undefined)?.condition).toBe('policy-violation');
    expect(bob.transport.closedWith).toBeUndefined();
    await run(admin, 'end-user-session', { accountjids: 'bob@localhost' });
    expect((bob.transport.closedWith as StreamError | undefined)?.condition).toBe('policy-violation');
    expect(await h.core.stores.accounts.hasAccount('bob')).toBe(true);
  });
});

describe('options', () => {
  it('reads admins as usernames or bare JIDs of the domain, naming the key of a bad one', () => {
    expect(parseAdmins(['alice', 'Bob@localhost'], 'localhost')).toEqual(['alice@localhost', 'bob@localhost']);
    expect(parseAdmins('alice, carol', 'localhost')).toEqual(['alice@localhost', 'carol@localhost']);
    expect(() => parseAdmins(['alice@other.example'], 'localhost')).toThrow(/admins\[0\]/);
    expect(() => parseAdmins(['alice@localhost/desk'], 'localhost')).toThrow(/admins\[0\]/);
    expect(() => parseAdmins(7, 'localhost')).toThrow(/admins/);
  });

  it('bounds adhoc.* and refuses unknown keys', () => {
    expect(parseAdhocOptions({ sessionTimeoutSeconds: 60 }).sessionTimeoutSeconds).toBe(60);
    expect(() => parseAdhocOptions({ sessionTimeoutSeconds: 0 })).toThrow(/adhoc.sessionTimeoutSeconds/);
    expect(() => parseAdhocOptions({ admins: [] })).toThrow(/adhoc.admins/);
  });
});
