// The desktop-chat gadget (issue #12) in headless Chromium against a real node: sign-in (and its
// failures), search-and-add, and every contact and group operation of "Use Desktop Chat", each
// checked also from the roster another XMPP client of the same user reads over TCP; a change made
// from that client shows in the gadget; composed presence of a contact; sign-out.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { ADMIN_TOKEN, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { containsText, eventually, GadgetPage, hasAttr, hasText, hasValue, Inbox, recordTiming, rosterOf } from './__tests__/gadget-page.js';

const SUITE = artifactDir('gadget-contacts');
let node: TestNode;
let chromium: TestBrowser;
let gadget: GadgetPage;
/** The agent's other client (a Jabber-style desktop client on the same account). */
let desk: Client;
let bob: Client;
let bobInbox: Inbox;
let carol: Client | undefined;

/** The administrator's Desktop Chat Server Settings, as the admin API stores them. */
const chatServers = (value: { primary: string; secondary: string | null }) => node.node.core.stores.settings.set('chat-servers', value);

beforeAll(async () => {
  node = await startTestNode();
  for (const u of ['agent', 'bob', 'carol', 'dave']) await node.addUser(u, `pw-${u}`);
  const accounts = node.node.core.stores.accounts;
  await accounts.updateProfile('agent', { name: 'Agent Smith' });
  await accounts.updateProfile('bob', { name: 'Bob Builder' });
  await accounts.updateProfile('carol', { name: 'Carol Singer' });
  const browser = launchChromium();
  [desk, bob] = await Promise.all([signIn(node.port, 'agent', 'pw-agent', 'desk'), signIn(node.port, 'bob', 'pw-bob', 'tcp')]);
  bobInbox = new Inbox(bob);
  await bob.send(xml('presence'));
  chromium = await browser;
}, 60_000); // a real node, Chromium and two clients: slow when the shared machine is busy

afterAll(async () => {
  await gadget?.close();
  await Promise.all([desk, bob, carol].filter((c): c is Client => !!c).map(stopClient));
  await chromium?.close();
  await node?.stop();
});

describe('gadget definition and sign-in', () => {
  it('serves /chat/gadget.xml, an OpenSocial definition pointing at this node’s /chat/', async () => {
    const response = await fetch(`http://127.0.0.1:${node.httpPort}/chat/gadget.xml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/xml/);
    const text = await response.text();
    expect(text).toContain('<Module>');
    expect(text).toContain(`<Content type="url" view="default,home,canvas" href="http://127.0.0.1:${node.httpPort}/chat/"/>`);
    expect(text).not.toContain('{{');
  });

  it('explains a wrong password and a server that cannot be reached (with the certificate link for https)', async () => {
    const page = await GadgetPage.open(chromium, node, SUITE);
    await page.page.getByLabel('Username').fill('agent');
    await page.page.getByLabel('Password').fill('wrong');
    await page.page.getByRole('button', { name: 'Sign In' }).click();
    await hasText(page.page.getByRole('alert'), 'The username or password is not correct.');
    await page.close();

    // Nothing listens on the discard port: the Primary is unreachable and there is no Secondary.
    await chatServers({ primary: 'https://127.0.0.1:9/http-bind', secondary: null });
    const down = await GadgetPage.open(chromium, node, SUITE);
    await down.page.getByLabel('Username').fill('agent');
    await down.page.getByLabel('Password').fill('pw-agent');
    await down.page.getByRole('button', { name: 'Sign In' }).click();
    await down.page.getByRole('link', { name: 'Open https://127.0.0.1:9/chat/' }).waitFor();
    await containsText(down.page.getByRole('alert'), 'The chat server cannot be reached.');
    await down.screenshot('sign-in-unreachable');
    await down.close();
    await node.node.core.stores.settings.remove('chat-servers');
  });

  it('reads the administrator’s chat servers and uses the Secondary when the Primary cannot be reached', async () => {
    // The page's own parameters lose to the administrator's settings (the public endpoint).
    await chatServers({ primary: 'http://127.0.0.1:9/http-bind', secondary: `http://127.0.0.1:${node.httpPort}/http-bind` });
    const page = await GadgetPage.open(chromium, node, SUITE, 'domain=localhost&primary=http://127.0.0.1:1/http-bind');
    await page.signIn('agent', 'pw-agent');
    await page.page.getByRole('button', { name: /^Your state: Available/ }).waitFor();
    await page.page.getByRole('button', { name: /^Your state/ }).click();
    await page.page.getByRole('menuitem', { name: 'Sign Out' }).click();
    await page.page.getByRole('button', { name: 'Sign In' }).waitFor();
    await page.close();
    await node.node.core.stores.settings.remove('chat-servers');
  });

  it('signs in Available with an empty list, and shows the list in under a second', async () => {
    gadget = await GadgetPage.open(chromium, node, SUITE);
    const ms = await gadget.signIn('agent', 'pw-agent');
    recordTiming(SUITE, 'sign-in submit to contact list (ms)', ms);
    console.log(`gadget sign-in: ${ms.toFixed(1)} ms from submit to the contact list`);
    expect(ms).toBeGreaterThan(0);
    await gadget.page.getByText('Your contact list is empty.').waitFor();
    await gadget.page.getByRole('button', { name: /^Your state: Available/ }).waitFor();
    await hasText(gadget.page.locator('.own-name'), 'Agent Smith');
    await gadget.screenshot('signed-in-empty');
  });
});

describe('contacts and groups (each checked from the agent’s TCP client)', () => {
  it('search suggests directory users as the agent types; Add puts one into a new group and asks for presence', async () => {
    await gadget.page.getByRole('searchbox').pressSequentially('bui');
    const add = gadget.page.getByRole('button', { name: 'Add Bob Builder to contacts' });
    await add.waitFor();
    await gadget.screenshot('search-suggestions');
    await add.click();
    const dialog = gadget.dialog();
    await hasValue(dialog.getByLabel('Contact (username or address)'), 'bob@localhost');
    await hasValue(dialog.getByLabel('Display name'), 'Bob Builder');
    await gadget.chooseGroup('Add to group', 'Sales', true);
    await gadget.submitDialog('Add');
    await gadget.contact('bob@localhost', 'Sales').waitFor();
    expect(await rosterOf(desk)).toEqual({ 'bob@localhost': { name: 'Bob Builder', groups: ['Sales'] } });
    // RFC 6121 §3.1: bob is asked; once he approves and is online the gadget shows him available.
    await bobInbox.next((el) => el.is('presence') && el.attrs.type === 'subscribe' && el.attrs.from === 'agent@localhost');
    await containsText(gadget.contact('bob@localhost'), 'Waiting for approval');
    await bob.send(xml('presence', { to: 'agent@localhost', type: 'subscribed' }));
    await hasAttr(gadget.contact('bob@localhost'), 'aria-label', 'Bob Builder, Available');
  });

  it('shows a contact’s composed presence: on the phone, then Do Not Disturb with its text', async () => {
    const put = (state: string) =>
      fetch(`http://127.0.0.1:${node.node.ports.admin}/api/v1/users/bob/presence-sources/phone`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ state }) });
    expect((await put('on-call')).status).toBeLessThan(300);
    await hasAttr(gadget.contact('bob@localhost'), 'aria-label', 'Bob Builder, On the phone');
    await bob.send(xml('presence', {}, xml('show', {}, 'dnd'), xml('status', {}, 'with a customer')));
    await hasAttr(gadget.contact('bob@localhost'), 'aria-label', 'Bob Builder, Do Not Disturb, with a customer');
    await gadget.screenshot('composed-presence');
    await put('idle');
    await bob.send(xml('presence'));
    await hasAttr(gadget.contact('bob@localhost'), 'aria-label', 'Bob Builder, Available');
  });

  it('adds from a group’s ••• menu (Add) and from the + button into a new group', async () => {
    await gadget.groupMenu('Sales', 'Add');
    await gadget.dialog().getByLabel('Contact (username or address)').fill('carol');
    await gadget.dialog().getByLabel('Display name').fill('Carol');
    await hasValue(gadget.dialog().getByLabel('Add to group', { exact: true }), 'Sales');
    await gadget.submitDialog('Add');
    await gadget.page.getByRole('button', { name: 'Add Contact' }).click();
    await gadget.dialog().getByLabel('Contact (username or address)').fill('dave@localhost');
    await gadget.chooseGroup('Add to group', 'Support', true);
    await gadget.submitDialog('Add');
    await eventually(async () =>
      expect(await rosterOf(desk)).toEqual({
        'bob@localhost': { name: 'Bob Builder', groups: ['Sales'] },
        'carol@localhost': { name: 'Carol', groups: ['Sales'] },
        'dave@localhost': { groups: ['Support'] },
      }),
    );
    await eventually(async () => expect(await gadget.listed()).toEqual({ Sales: ['Bob Builder', 'Carol'], Support: ['dave'] }));
  });

  it('Edit changes the display name and puts a contact in several groups', async () => {
    await gadget.contactMenu('carol@localhost', 'Sales', 'Edit');
    await gadget.dialog().getByLabel('Display name').fill('Carol C.');
    await gadget.dialog().getByLabel('Support', { exact: true }).check();
    await gadget.submitDialog('Save');
    await eventually(async () => expect((await rosterOf(desk))['carol@localhost']).toEqual({ name: 'Carol C.', groups: ['Sales', 'Support'] }));
    await eventually(async () => expect(await gadget.listed()).toEqual({ Sales: ['Bob Builder', 'Carol C.'], Support: ['Carol C.', 'dave'] }));
  });

  it('Move sends one contact to a new group', async () => {
    await gadget.contactMenu('dave@localhost', 'Support', 'Move');
    await gadget.chooseGroup('Group', 'Managers', true);
    await gadget.submitDialog('Move');
    await eventually(async () => expect((await rosterOf(desk))['dave@localhost']).toEqual({ groups: ['Managers'] }));
  });

  it('Ctrl+click selects several contacts; Move from the header moves each out of its group only', async () => {
    await gadget.contact('bob@localhost', 'Sales').click({ modifiers: ['Control'] });
    // The keyboard way: Ctrl+Space on a focused contact.
    await gadget.contact('carol@localhost', 'Sales').focus();
    await gadget.page.keyboard.press('Control+Space');
    await hasText(gadget.page.locator('.selection-bar .count'), '2 selected');
    await gadget.screenshot('multi-select');
    await gadget.page.locator('.selection-bar').getByRole('button', { name: 'Move' }).click();
    await gadget.chooseGroup('Group', 'Escalations', true);
    await gadget.submitDialog('Move');
    await eventually(async () => {
      const roster = await rosterOf(desk);
      expect(roster['bob@localhost'].groups).toEqual(['Escalations']);
      expect(roster['carol@localhost'].groups).toEqual(['Escalations', 'Support']);
    });
    await gadget.page.locator('.selection-bar').waitFor({ state: 'hidden' });
  });

  it('Delete from one group leaves the contact in its other groups (after confirmation)', async () => {
    await gadget.contactMenu('carol@localhost', 'Support', 'Delete');
    await containsText(gadget.dialog(), 'Delete Carol C. from Support?');
    await gadget.submitDialog('Delete');
    await eventually(async () => expect((await rosterOf(desk))['carol@localhost']).toEqual({ name: 'Carol C.', groups: ['Escalations'] }));
  });

  it('Edit group renames it in every contact', async () => {
    await gadget.groupMenu('Escalations', 'Edit');
    await gadget.dialog().getByLabel('Group name').fill('Tier 2');
    await gadget.submitDialog('Save');
    await eventually(async () => {
      const roster = await rosterOf(desk);
      expect([roster['bob@localhost'].groups, roster['carol@localhost'].groups]).toEqual([['Tier 2'], ['Tier 2']]);
    });
    await eventually(async () => expect(await gadget.listed()).toEqual({ Managers: ['dave'], 'Tier 2': ['Bob Builder', 'Carol C.'] }));
  });

  it('shows a change made from the other client (roster push)', async () => {
    await desk.iqCaller.set(xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: 'dave@localhost', name: 'Dave D.' }, xml('group', {}, 'Managers'))));
    await containsText(gadget.contact('dave@localhost', 'Managers'), 'Dave D.');
  });

  it('deletes several selected contacts with one confirmation', async () => {
    await gadget.contact('carol@localhost', 'Tier 2').click({ modifiers: ['Control'] });
    await gadget.contact('dave@localhost', 'Managers').click({ modifiers: ['Control'] });
    await gadget.page.locator('.selection-bar').getByRole('button', { name: 'Delete' }).click();
    await containsText(gadget.dialog(), 'Delete 2 selected contacts from their groups?');
    await gadget.submitDialog('Delete');
    await eventually(async () => expect(Object.keys(await rosterOf(desk))).toEqual(['bob@localhost']));
  });

  it('Delete group removes the group and its contacts', async () => {
    await gadget.groupMenu('Tier 2', 'Delete');
    await containsText(gadget.dialog(), 'Delete the group Tier 2 and its contacts?');
    await gadget.screenshot('delete-group-confirm');
    await gadget.submitDialog('Delete');
    await eventually(async () => expect(await rosterOf(desk)).toEqual({}));
    await gadget.page.getByText('Your contact list is empty.').waitFor();
  });
});

describe('Recent Chats', () => {
  it('lists someone who wrote without being a contact; its ••• Add puts them in a group', async () => {
    carol = await signIn(node.port, 'carol', 'pw-carol', 'tcp');
    await carol.send(xml('presence'));
    await carol.send(xml('message', { to: 'agent@localhost', type: 'chat' }, xml('body', {}, 'hello from carol')));
    await gadget.chatWindow().waitFor();
    // The name comes from the directory (carol has no vCard).
    await containsText(gadget.contact('carol@localhost', 'Recent Chats'), 'Carol Singer');
    await gadget.contactMenu('carol@localhost', 'Recent Chats', 'Add');
    await hasValue(gadget.dialog().getByLabel('Contact (username or address)'), 'carol@localhost');
    await hasValue(gadget.dialog().getByLabel('Display name'), 'Carol Singer');
    await gadget.chooseGroup('Add to group', 'Friends', true);
    await gadget.submitDialog('Add');
    await eventually(async () => expect(await rosterOf(desk)).toEqual({ 'carol@localhost': { name: 'Carol Singer', groups: ['Friends'] } }));
    await gadget.contact('carol@localhost', 'Friends').waitFor();
    await gadget.screenshot('recent-chats-add');
  });
});

describe('sign-out', () => {
  it('ends only the chat session: the other client stays, contacts see the gadget go', async () => {
    await gadget.page.getByRole('button', { name: /^Your state/ }).click();
    await gadget.page.getByRole('menuitem', { name: 'Sign Out' }).click();
    await gadget.page.getByRole('button', { name: 'Sign In' }).waitFor();
    await gadget.screenshot('signed-out');
    expect(await gadget.page.evaluate(`Object.keys(sessionStorage).filter((k) => k.startsWith('deskchat.tab.') || k === 'deskchat.bosh')`)).toEqual([]);
    // The TCP client is still served (a ping to its own account gets its answer).
    await desk.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(gadget.errors).toEqual([]);
  });
});

describe('WebSocket', () => {
  it('signs in and chats over WebSocket (RFC 7395) when the page asks for it; a reload then signs in again', async () => {
    const ws = await GadgetPage.open(chromium, node, SUITE, 'domain=localhost&transport=websocket');
    const sockets: string[] = [];
    ws.page.on('websocket', (socket) => sockets.push(socket.url()));
    await ws.signIn('dave', 'pw-dave');
    expect(sockets).toEqual([`ws://127.0.0.1:${node.httpPort}/xmpp-websocket`]);
    await ws.page.getByRole('searchbox').pressSequentially('builder');
    await ws.page.getByRole('button', { name: /^Bob Builder/ }).click();
    await ws.send('over websocket');
    const got = await bobInbox.next((el) => el.is('message') && el.getChildText('body') === 'over websocket');
    expect(got.attrs.from).toMatch(/^dave@localhost\//);
    // A WebSocket cannot outlive the page: after a reload the agent signs in again, the history kept.
    await ws.page.reload();
    await ws.signIn('dave', 'pw-dave');
    await eventually(async () => expect(await ws.conversation()).toEqual([['out', 'over websocket']]));
    expect(ws.errors).toEqual([]);
    await ws.close();
  });
});
