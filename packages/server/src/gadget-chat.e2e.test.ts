// The gadget's chat window (issue #12) in headless Chromium against a real node, with contacts on
// real TCP clients (@xmpp/client): chat both ways, XEP-0085 typing both ways, tabs with overflow
// and unread badges, minimize with the unread count, Do Not Disturb, a reload that keeps the
// conversation (and recovers what arrived during it), "cannot send to a signed-out contact", a
// browser notification for a hidden page, and the IM&P forking rule (a chat answered from
// another client of the agent stops showing here until the agent answers from the gadget).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { befriend, containsText, eventually, GadgetPage, hasAttr, hasText, Inbox } from './__tests__/gadget-page.js';

const SUITE = artifactDir('gadget-chat');
const CONTACTS = ['bob', 'carol', 'dave', 'erin', 'frank'] as const;
type Name = (typeof CONTACTS)[number];
const NAMES: Record<Name, string> = { bob: 'Bob Builder', carol: 'Carol Singer', dave: 'Dave Diver', erin: 'Erin Eagle', frank: 'Frank Fisher' };
const jid = (u: string) => `${u}@localhost`;

let node: TestNode;
let chromium: TestBrowser;
let gadget: GadgetPage;
const tcp = {} as Record<Name, Client>;
const inbox = {} as Record<Name, Inbox>;
/** The agent's other client. */
let desk: Client;
let deskInbox: Inbox;
/** The gadget's full JID, learnt from the first message it sends. */
let gadgetJid = '';

const say = (from: Name, body: string, to = 'agent@localhost') => tcp[from].send(xml('message', { to, type: 'chat', id: `${from}-${body}` }, xml('body', {}, body)));
const chatState = (from: Name, state: string) => tcp[from].send(xml('message', { to: 'agent@localhost', type: 'chat' }, xml(state, { xmlns: 'http://jabber.org/protocol/chatstates' })));
/** Waits until the server has handled everything `from` sent before (a round trip on the same stream). */
const settled = (from: Client) => from.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
const isBody = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;

async function connect(user: Name): Promise<void> {
  tcp[user] = await signIn(node.port, user, `pw-${user}`, 'tcp');
  inbox[user] = new Inbox(tcp[user]);
  await tcp[user].send(xml('presence'));
}

beforeAll(async () => {
  node = await startTestNode();
  await node.addUser('agent', 'pw-agent');
  for (const u of CONTACTS) {
    await node.addUser(u, `pw-${u}`);
    await befriend(node, 'agent', u, 'Team', NAMES[u]);
  }
  const browser = launchChromium();
  await Promise.all(CONTACTS.map(connect));
  chromium = await browser;
  gadget = await GadgetPage.open(chromium, node, SUITE);
  await gadget.signIn('agent', 'pw-agent');
  await hasAttr(gadget.contact(jid('bob'), 'Team'), 'aria-label', 'Bob Builder, Available');
}, 60_000); // a real node, Chromium and five clients: slow when the shared machine is busy

afterAll(async () => {
  await gadget?.close();
  await Promise.all([...Object.values(tcp), desk].filter(Boolean).map(stopClient));
  await chromium?.close();
  await node?.stop();
});

describe('chatting with a TCP client', () => {
  it('sends to the contact’s bare JID and shows the answer; the header names the contact', async () => {
    await gadget.contact(jid('bob'), 'Team').click();
    await hasText(gadget.page.locator('.chat-title .title-text'), 'Bob Builder');
    await gadget.send('Hello Bob');
    const got = await inbox.bob.next(isBody('Hello Bob'));
    expect(got.attrs.to).toBe('bob@localhost');
    expect(got.getChild('active', 'http://jabber.org/protocol/chatstates')).toBeDefined();
    gadgetJid = got.attrs.from;
    expect(gadgetJid).toMatch(/^agent@localhost\//);
    await say('bob', 'Hi agent, how can I help?');
    await eventually(async () => expect(await gadget.conversation()).toEqual([['out', 'Hello Bob'], ['in', 'Hi agent, how can I help?']]));
    await gadget.screenshot('chat-both-ways');
  });

  it('shows the typing indicator both ways (XEP-0085)', async () => {
    const input = gadget.page.locator('#dc-message');
    await input.pressSequentially('Typ');
    await inbox.bob.next((el) => el.is('message') && !el.getChild('body') && !!el.getChild('composing', 'http://jabber.org/protocol/chatstates'));
    await input.fill('');
    await input.dispatchEvent('input');
    await inbox.bob.next((el) => el.is('message') && !!el.getChild('paused', 'http://jabber.org/protocol/chatstates'));

    await chatState('bob', 'composing');
    await hasText(gadget.page.locator('.chat-window .typing'), 'Bob Builder is typing…');
    await gadget.screenshot('typing-indicator');
    await chatState('bob', 'paused');
    await hasText(gadget.page.locator('.chat-window .typing'), '');
  });
});

describe('tabs, badges and the window', () => {
  it('an incoming chat opens the window; three tabs show, the rest go behind the overflow button with badges', async () => {
    await gadget.page.getByRole('button', { name: 'Close all chats' }).click();
    await gadget.submitDialog('Close');
    await gadget.chatWindow().waitFor({ state: 'hidden' });

    await say('carol', 'carol 1');
    await gadget.chatWindow().waitFor();
    await hasText(gadget.page.locator('.chat-title .title-text'), 'Carol Singer');
    for (const u of ['dave', 'erin', 'frank'] as const) await say(u, `${u} 1`);
    await say('dave', 'dave 2');
    const tabs = gadget.page.locator('.tabs .tab');
    await eventually(async () => expect(await tabs.evaluateAll((ts) => ts.map((t) => t.getAttribute('data-jid')))).toEqual([jid('carol'), jid('dave'), jid('erin')]));
    const overflow = gadget.page.getByRole('button', { name: '1 more chats' });
    await hasText(overflow, '+1');
    await hasText(gadget.page.locator('.tab[data-jid="dave@localhost"] .badge'), '2');
    await hasText(gadget.page.locator('.tab[data-jid="erin@localhost"] .badge'), '1');
    expect(await gadget.page.locator('.tab[data-jid="carol@localhost"] .badge').count()).toBe(0);
    await gadget.screenshot('tabs-overflow-badges');

    // The badge goes when the tab is active.
    await gadget.page.getByRole('tab', { name: 'Dave Diver, 2 unread' }).click();
    await eventually(async () => expect(await gadget.conversation()).toEqual([['in', 'dave 1'], ['in', 'dave 2']]));
    expect(await gadget.page.locator('.tab[data-jid="dave@localhost"] .badge').count()).toBe(0);

    // A chat behind the overflow button comes forward when chosen.
    await overflow.click();
    await gadget.page.getByRole('menuitem', { name: 'Frank Fisher, 1 unread' }).click();
    await hasAttr(gadget.page.locator('.tab[data-jid="frank@localhost"] [role=tab]'), 'aria-selected', 'true');
    await eventually(async () => expect(await gadget.conversation()).toEqual([['in', 'frank 1']]));
  });

  it('closes one tab from its status icon (it turns into a close button on hover)', async () => {
    const status = gadget.page.locator('.tab[data-jid="frank@localhost"] .tab-close');
    await status.hover();
    expect(await status.locator('.x').isVisible()).toBe(true);
    expect(await status.locator('.dot').isVisible()).toBe(false);
    await gadget.screenshot('tab-close-hover');
    await status.click();
    await gadget.page.locator('.tab[data-jid="frank@localhost"]').waitFor({ state: 'detached' });
    // Three chats left: all shown, no overflow button.
    await gadget.page.locator('.tab[data-jid="erin@localhost"]').waitFor();
    expect(await gadget.page.locator('.tabs button.overflow').count()).toBe(0);
  });

  it('minimized, the header counts the chats with unread messages; a click restores it', async () => {
    await gadget.page.locator('.chat-title').click();
    await hasText(gadget.page.locator('.chat-title .title-text'), 'Chats');
    await say('bob', 'while minimized 1');
    await say('bob', 'while minimized 2');
    await say('carol', 'while minimized 3');
    // Without Do Not Disturb an incoming chat pops the window up again; minimize once more to read
    // the count, once the page has all three (a later one would pop it up again).
    await eventually(async () => expect(await gadget.page.evaluate<string>(`sessionStorage.getItem('deskchat.tab.agent@localhost') ?? ''`)).toContain('while minimized 3'));
    await gadget.chatWindow().locator('.chat-body').waitFor();
    await gadget.page.locator('.chat-title').click();
    await hasText(gadget.page.locator('.chat-title .title-text'), 'Chats (2 unread chats)');
    await gadget.screenshot('minimized-unread');
    await gadget.page.locator('.chat-title').click();
    await gadget.chatWindow().locator('.chat-body').waitFor();
  });

  it('the enlarge button makes the window larger and restores it; the window never fills the page', async () => {
    // The gadget renders on the next animation frame (app.ts): each size is read once it is drawn.
    const width = async () => (await gadget.chatWindow().boundingBox())!.width;
    const before = await width();
    await gadget.page.getByRole('button', { name: 'Enlarge chat window' }).click();
    const larger = await eventually(async () => {
      const now = await width();
      expect(now).toBeGreaterThan(before);
      return now;
    });
    expect(larger).toBeLessThan(gadget.page.viewportSize()!.width);
    await gadget.page.getByRole('button', { name: 'Restore chat window size' }).click();
    await eventually(async () => expect(await width()).toBe(before));
  });
});

describe('Do Not Disturb', () => {
  it('contacts see DND with its text; a chat arriving with the window closed only shows the minimized header and the icon blinks', async () => {
    await gadget.page.getByRole('button', { name: 'Close all chats' }).click();
    await gadget.submitDialog('Close');
    await gadget.page.getByRole('button', { name: /^Your state/ }).click();
    await gadget.page.getByRole('menuitem', { name: 'Do Not Disturb…' }).click();
    await gadget.dialog().getByLabel('Message (optional)').fill('on a customer call');
    await gadget.submitDialog('Set');
    // bob's client shows the agent's composed presence (the top-priority resource).
    await inbox.bob.next((el) => el.is('presence') && el.attrs.from === 'agent@localhost/composed-presence' && el.getChildText('show') === 'dnd' && el.getChildText('status') === 'on a customer call');
    await gadget.page.getByRole('button', { name: 'Your state: Do Not Disturb — on a customer call. Change state or sign out' }).waitFor();

    await say('carol', 'are you there?');
    await hasText(gadget.page.locator('.chat-title .title-text'), 'Chats (1 unread chat)');
    expect(await gadget.chatWindow().locator('.chat-body').isVisible()).toBe(false);
    expect(await gadget.page.locator('.chats-icon').getAttribute('class')).toContain('attention');
    await gadget.screenshot('dnd-minimized-blinking');

    // Opening the window shows the message and stops the blinking.
    await gadget.page.locator('.chat-title').click();
    await eventually(async () => expect((await gadget.conversation()).at(-1)).toEqual(['in', 'are you there?']));
    expect(await gadget.page.locator('.chats-icon').getAttribute('class')).not.toContain('attention');

    // With the window active, a message shows at once (a badge on its tab when it is not the active one).
    await say('dave', 'quick question');
    await hasText(gadget.page.locator('.tab[data-jid="dave@localhost"] .badge'), '1');
    expect(await gadget.chatWindow().locator('.chat-body').isVisible()).toBe(true);

    const mark = inbox.bob.mark();
    await gadget.page.getByRole('button', { name: /^Your state/ }).click();
    await gadget.page.getByRole('menuitem', { name: 'Available' }).click();
    await inbox.bob.next((el) => el.is('presence') && el.attrs.from === 'agent@localhost/composed-presence' && !el.getChild('show'), mark);
  });
});

describe('the page session', () => {
  it('a reload keeps the conversation, the tabs and the session; what arrived during the reload is not lost', async () => {
    await gadget.page.getByRole('tab', { name: /^Dave Diver/ }).click();
    // The click re-renders asynchronously: read the conversation only once dave's tab is the active one.
    await gadget.page.locator('.tab[data-jid="dave@localhost"] [role="tab"][aria-selected="true"]').waitFor();
    await eventually(async () => expect((await gadget.conversation()).at(-1)).toEqual(['in', 'quick question']));
    const before = await gadget.conversation();
    const tabsBefore = await gadget.page.locator('.tabs .tab').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-jid')));
    // The new page's script waits until carol's message has been written into the request the old
    // page left behind, so only asking for that rid again can bring it back.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await gadget.page.route('**/chat/app.js', async (route) => {
      await held;
      await route.continue();
    });
    const reloaded = gadget.page.reload();
    await new Promise((r) => setTimeout(r, 300));
    await say('carol', 'sent during the reload');
    await settled(tcp.carol);
    await new Promise((r) => setTimeout(r, 200));
    release();
    await reloaded;
    await gadget.page.unroute('**/chat/app.js');
    await gadget.page.locator('#app[data-ready="true"]').waitFor();
    expect(await gadget.page.locator('#dc-username').count()).toBe(0);
    await eventually(async () => expect(await gadget.conversation()).toEqual(before));
    expect(await gadget.page.locator('.tabs .tab').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-jid')))).toEqual(tabsBefore);
    await hasText(gadget.page.locator('.tab[data-jid="carol@localhost"] .badge'), '1');
    await gadget.page.getByRole('tab', { name: /^Carol Singer/ }).click();
    await eventually(async () => expect((await gadget.conversation()).at(-1)).toEqual(['in', 'sent during the reload']));
    await gadget.screenshot('after-reload');
    // The same session goes on: a message sent now leaves from the same full JID.
    await gadget.send('still here');
    expect((await inbox.carol.next(isBody('still here'))).attrs.from).toBe(gadgetJid);
  });

  it('cannot send to a signed-out contact: the typing area says so, and works again when they are back', async () => {
    await stopClient(tcp.erin);
    await gadget.contact(jid('erin'), 'Team').click();
    await gadget.page.getByText('Erin Eagle is signed out. You cannot send messages.').waitFor();
    expect(await gadget.page.locator('#dc-message').isDisabled()).toBe(true);
    await gadget.screenshot('signed-out-contact');
    await connect('erin');
    await eventually(async () => expect(await gadget.page.locator('#dc-message').isDisabled()).toBe(false));
  });

  it('a message for a hidden page raises a browser notification', async () => {
    await gadget.page.evaluate(`(() => {
      window.__notes = [];
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      window.Notification = class { static permission = 'granted'; constructor(title, options) { window.__notes.push([title, options.body]); } close() {} };
    })()`);
    await say('frank', 'ping from frank');
    await eventually(async () => expect(await gadget.page.evaluate('window.__notes')).toEqual([['New message from Frank Fisher', 'ping from frank']]));
    await gadget.page.evaluate(`delete document.hidden`);
  });
});

describe('the IM&P forking rule', () => {
  it('once the agent answers from another client, the chat stops showing here until the agent answers from the gadget', async () => {
    desk = await signIn(node.port, 'agent', 'pw-agent', 'desk');
    deskInbox = new Inbox(desk);
    await desk.send(xml('presence'));
    await settled(desk);
    await gadget.contact(jid('frank'), 'Team').click();
    await say('frank', 'fork 1');
    await deskInbox.next(isBody('fork 1'));
    await eventually(async () => expect((await gadget.conversation()).at(-1)).toEqual(['in', 'fork 1']));

    // Nothing locked this chat yet (the gadget never wrote to frank): it went to both clients.
    // The agent answers from the desktop client: the conversation is locked there.
    await desk.send(xml('message', { to: 'frank@localhost', type: 'chat' }, xml('body', {}, 'answered from the desk')));
    await inbox.frank.next(isBody('answered from the desk'));
    await say('frank', 'fork 2');
    await deskInbox.next(isBody('fork 2'));

    // The agent answers from the gadget again: bob's next message comes back here.
    await gadget.send('back in the gadget');
    await inbox.frank.next(isBody('back in the gadget'));
    await say('frank', 'fork 3');
    await eventually(async () => expect((await gadget.conversation()).at(-1)).toEqual(['in', 'fork 3']));
    const texts = (await gadget.conversation()).map(([, t]) => t);
    // Neither the locked message nor the answer sent from the other client ever showed here.
    expect(texts).not.toContain('fork 2');
    expect(texts).not.toContain('answered from the desk');
    await gadget.screenshot('forking');
    expect(gadget.errors).toEqual([]);
  });
});

describe('keyboard', () => {
  it('reaches the contact list, opens a chat and sends with the keyboard alone; focus is visible', async () => {
    await gadget.page.locator('.search-input').focus();
    await gadget.page.keyboard.press('Tab'); // the + (Add Contact) button
    await gadget.page.keyboard.press('Tab'); // the first group header (Recent Chats)
    await gadget.page.keyboard.press('ArrowDown'); // its first contact
    const focused = (await gadget.page.evaluate(`document.activeElement.getAttribute('data-jid')`)) as string;
    const user = focused.split('@')[0] as Name;
    expect(CONTACTS).toContain(user);
    const outline = await gadget.page.evaluate(`getComputedStyle(document.activeElement).outlineStyle`);
    expect(outline).toBe('solid');
    await gadget.page.keyboard.press('Enter');
    await eventually(async () => expect(await gadget.page.evaluate(`document.activeElement.id`)).toBe('dc-message'));
    await gadget.page.keyboard.type('typed with the keyboard');
    await gadget.page.keyboard.press('Enter');
    await inbox[user].next(isBody('typed with the keyboard'));
    await containsText(gadget.page.locator('.chat-window .messages'), 'typed with the keyboard');
  });
});
