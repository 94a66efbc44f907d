// XEP-0050 / XEP-0133 end to end over real TCP against a node on its SQLite store, issue #13: the
// administrator (`admins: [boss]`) drives slixmpp's own xep_0050/xep_0133 plugins; the users are
// @xmpp/client. An added user signs in; a non-admin sees no commands and is refused; delete-user
// removes the account with all its data (as `deskchat user remove`) and ends its session;
// change-user-password takes effect at the next sign-in; the online list names who is online.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { SlixmppClient } from './__tests__/slixmpp-driven.js';

const ADMIN = 'http://jabber.org/protocol/admin';
const COMMANDS = 'http://jabber.org/protocol/commands';

let server: TestNode;
let boss: SlixmppClient;
let bob: SlixmppClient;
const clients: Client[] = [];

/** A real client's stream errors (xmpp.js emits them as 'error' with a condition). */
function streamErrors(xmpp: Client): string[] {
  const seen: string[] = [];
  xmpp.on('element', (el: Element) => {
    if (el.name === 'stream:error') seen.push(el.children.map((c) => (typeof c === 'string' ? '' : c.name)).find((n) => n && n !== 'text') ?? '');
  });
  return seen;
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 8000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  server = await startTestNode({ raw: { admins: ['boss'] } });
  for (const user of ['boss', 'bob']) await server.addUser(user, `pw-${user}`);
  [boss, bob] = await Promise.all([SlixmppClient.start(server.port, 'boss@localhost/console', 'pw-boss'), SlixmppClient.start(server.port, 'bob@localhost/laptop', 'pw-bob')]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  await Promise.all([boss, bob].map((c) => c?.close()));
  await server?.stop();
}, 30_000);

describe('XEP-0133 over XEP-0050 with slixmpp (issue #13)', () => {
  it('lists the administration commands to an administrator and none to a user; refuses the user with forbidden', async () => {
    const listed = (await boss.command('commands')).nodes as string[];
    expect(listed).toEqual(expect.arrayContaining(['add-user', 'delete-user', 'change-user-password', 'get-online-users-list'].map((n) => `${ADMIN}#${n}`)));
    expect((await bob.command('commands')).nodes).toEqual([]);
    const refused = await bob.command('admin', { command: 'add-user', fields: {} });
    expect(refused).toMatchObject({ status: 'error', condition: 'forbidden' });
  });

  it('adds a user who then signs in with a real client (§4.1)', async () => {
    const added = await boss.command('admin', { command: 'add-user', fields: { accountjid: 'carol@localhost', password: 'carol-Secret-1', 'password-verify': 'carol-Secret-1' } });
    expect(added.status).toBe('completed');
    const carol = await signIn(server.port, 'carol', 'carol-Secret-1', 'desk');
    clients.push(carol);
    expect(carol.jid?.toString()).toBe('carol@localhost/desk');
    // A second add of the same name is a conflict; a password over 1023 characters is not acceptable (the CLI's rules).
    expect(await boss.command('admin', { command: 'add-user', fields: { accountjid: 'carol@localhost', password: 'carol-Secret-1', 'password-verify': 'carol-Secret-1' } })).toMatchObject({ status: 'error', condition: 'conflict' });
    expect(await boss.command('admin', { command: 'add-user', fields: { accountjid: 'dave@localhost', password: 'p'.repeat(1024), 'password-verify': 'p'.repeat(1024) } })).toMatchObject({ status: 'error', condition: 'not-acceptable' });
    expect(await server.node.core.stores.accounts.hasAccount('dave')).toBe(false);
  });

  it('lists who is online (§4.21)', async () => {
    const listed = await boss.command('admin', { command: 'get-online-users-list', fields: { max_items: '100' } });
    expect(listed.status).toBe('completed');
    expect(listed.values.onlineuserjids).toEqual(['bob@localhost', 'boss@localhost', 'carol@localhost']);
  });

  it('changes a password: the new one signs in, the old one no longer does (§4.7)', async () => {
    await server.addUser('erin', 'pw-erin');
    expect((await boss.command('admin', { command: 'change-user-password', fields: { accountjid: 'erin@localhost', password: 'erin-New-pass' } })).status).toBe('completed');
    await expect(signIn(server.port, 'erin', 'pw-erin')).rejects.toThrow(/not-authorized/);
    const erin = await signIn(server.port, 'erin', 'erin-New-pass');
    clients.push(erin);
    expect(erin.jid?.local).toBe('erin');
  });

  it('deletes a user: the account and its data go, and its session ends (§4.2)', async () => {
    await server.addUser('frank', 'pw-frank');
    const frank = await signIn(server.port, 'frank', 'pw-frank', 'desk');
    clients.push(frank);
    const errors = streamErrors(frank);
    await frank.iqCaller.set(xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: 'bob@localhost', name: 'Bob' })));
    await frank.iqCaller.set(xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, 'Frank')));
    const stores = server.node.core.stores;
    expect((await stores.roster.getRoster('frank')).items).toHaveLength(1);

    const deleted = await boss.command('admin', { command: 'delete-user', fields: { accountjids: ['frank@localhost'] } });
    expect(deleted.status).toBe('completed');
    await waitUntil(() => errors.length > 0, 'frank\'s stream error');
    expect(errors).toEqual(['not-authorized']);
    expect(await stores.accounts.hasAccount('frank')).toBe(false);
    expect((await stores.roster.getRoster('frank')).items).toEqual([]);
    expect(await stores.vcards.getVCard('frank')).toBeUndefined();
    await expect(signIn(server.port, 'frank', 'pw-frank')).rejects.toThrow(/not-authorized/);
    expect(await boss.command('admin', { command: 'delete-user', fields: { accountjids: ['frank@localhost'] } })).toMatchObject({ status: 'error', condition: 'item-not-found' });
  });

  it('answers a command with a bad session id with bad-request (XEP-0050 §4.6)', async () => {
    const reply = await boss.command('raw', { xml: `<iq type='set' id='bad-session' to='localhost'><command xmlns='${COMMANDS}' node='${ADMIN}#add-user' sessionid='nope' action='complete'/></iq>` }).then(() => boss.stanza((el) => el.attrs.id === 'bad-session', 'the reply'));
    expect(reply.attrs.type).toBe('error');
    expect(reply.getChild('error')!.getChild('bad-sessionid', COMMANDS)).toBeDefined();
  });
});
