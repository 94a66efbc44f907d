// The chat window's behaviour from "Use Desktop Chat": incoming chats open the window, tabs and
// badges, minimize with the unread count, Do Not Disturb, history kept for the tab session.
import { describe, expect, it } from '@jest/globals';
import { ChatStore, MAX_MESSAGES } from './chats.js';

let n = 0;
const msg = (body: string, at = ++n) => ({ id: `m${at}-${body}`, body, at });
const dnd = { isDnd: true };
const free = { isDnd: false };

describe('incoming chats', () => {
  it('an incoming chat opens the window on it; the next ones add tabs with unread badges', () => {
    const chats = new ChatStore();
    chats.received('a@x', msg('hi'), free);
    expect([chats.window, chats.active, chats.tabs]).toEqual(['open', 'a@x', ['a@x']]);
    expect(chats.conversation('a@x')!.unread).toBe(0);
    chats.received('b@x', msg('1'), free);
    chats.received('b@x', msg('2'), free);
    expect(chats.active).toBe('a@x');
    expect(chats.conversation('b@x')!.unread).toBe(2);
    chats.activate('b@x');
    expect(chats.conversation('b@x')!.unread).toBe(0);
  });

  it('minimized, the window pops up again without DND; the header counts chats (not messages) with unread', () => {
    const chats = new ChatStore();
    chats.received('a@x', msg('hi'), free);
    chats.toggleMinimized();
    chats.received('b@x', msg('1'), dnd);
    chats.received('b@x', msg('2'), dnd);
    chats.received('a@x', msg('3'), dnd);
    expect(chats.window).toBe('minimized');
    expect(chats.unreadChats()).toBe(2);
    chats.received('c@x', msg('4'), free);
    expect(chats.window).toBe('open');
  });

  it('under DND a chat arriving with the window closed comes back minimized and asks for attention', () => {
    const chats = new ChatStore();
    chats.received('a@x', msg('hi'), dnd);
    expect([chats.window, chats.needsAttention, chats.unreadChats()]).toEqual(['minimized', true, 1]);
    chats.show();
    expect([chats.window, chats.needsAttention, chats.unreadChats()]).toEqual(['open', false, 0]);
    // With the window open the message shows at once.
    chats.received('a@x', msg('again'), dnd);
    expect([chats.window, chats.needsAttention, chats.unreadChats()]).toEqual(['open', false, 0]);
  });

  it('drops a message received twice (same id), as after resuming a session', () => {
    const chats = new ChatStore();
    const m = msg('once');
    expect(chats.received('a@x', m, free)).toBe(true);
    expect(chats.received('a@x', m, free)).toBe(false);
    expect(chats.conversation('a@x')!.messages).toHaveLength(1);
  });

  it('marks a bounced message and clears the typing indicator when a message arrives', () => {
    const chats = new ChatStore();
    chats.sent('a@x', { id: 'out1', body: 'hello', at: 1 });
    chats.failed('a@x', 'out1', 'recipient unavailable');
    expect(chats.conversation('a@x')!.messages[0]).toMatchObject({ dir: 'out', error: 'recipient unavailable' });
    chats.setTyping('a@x', true);
    expect(chats.isTyping('a@x')).toBe(true);
    chats.received('a@x', msg('reply'), free);
    expect(chats.isTyping('a@x')).toBe(false);
  });
});

describe('tabs', () => {
  it('shows three tabs and puts the rest behind the overflow; the active tab is always shown', () => {
    const chats = new ChatStore();
    for (const j of ['a', 'b', 'c', 'd', 'e']) chats.open(`${j}@x`);
    chats.activate('b@x');
    expect(chats.visibleTabs()).toEqual({ visible: ['a@x', 'b@x', 'c@x'], overflow: ['d@x', 'e@x'] });
    chats.activate('e@x');
    expect(chats.visibleTabs()).toEqual({ visible: ['a@x', 'b@x', 'e@x'], overflow: ['c@x', 'd@x'] });
  });

  it('closing the active tab activates its neighbour; closing the last closes the window; X closes all', () => {
    const chats = new ChatStore();
    chats.open('a@x');
    chats.open('b@x');
    chats.open('c@x');
    chats.activate('b@x');
    chats.close('b@x');
    expect(chats.active).toBe('c@x');
    chats.closeAll();
    expect([chats.window, chats.tabs, chats.active]).toEqual(['closed', [], undefined]);
    // The history stays for the session: it shows again when the chat reopens.
    expect(chats.conversation('a@x')).toBeDefined();
    chats.open('a@x');
    chats.close('a@x');
    expect(chats.window).toBe('closed');
  });
});

describe('the tab session', () => {
  it('round-trips through a JSON snapshot (sessionStorage) and lists recent chats newest first', () => {
    const chats = new ChatStore();
    chats.received('a@x', msg('first', 10), free);
    chats.received('b@x', msg('second', 20), free);
    chats.setEnlarged(true);
    const copy = new ChatStore();
    copy.restore(JSON.parse(JSON.stringify(chats.snapshot())));
    expect(copy.snapshot()).toEqual(chats.snapshot());
    expect(copy.recent().map((c) => c.jid)).toEqual(['b@x', 'a@x']);
  });

  it(`keeps the last ${MAX_MESSAGES} messages of a conversation`, () => {
    const chats = new ChatStore();
    for (let i = 0; i < MAX_MESSAGES + 5; i++) chats.sent('a@x', { id: `m${i}`, body: String(i), at: i });
    const messages = chats.conversation('a@x')!.messages;
    expect(messages).toHaveLength(MAX_MESSAGES);
    expect(messages[0].body).toBe('5');
  });

  it('notifies listeners of every change', () => {
    const chats = new ChatStore();
    let calls = 0;
    const off = chats.onChange(() => calls++);
    chats.open('a@x');
    chats.toggleMinimized();
    off();
    chats.toggleMinimized();
    expect(calls).toBe(2);
  });
});

describe('files in the conversation (docs/files.md)', () => {
  const sentFile = (chats: ChatStore, id: string) => chats.sent('a@x', { id, body: 'report.pdf', at: 1, file: { name: 'report.pdf', size: 10, type: 'application/pdf', state: 'uploading' } });

  it('follows a sent file: uploading → offered (with its URL) → declined by the contact, matched by URL and id', () => {
    const chats = new ChatStore();
    sentFile(chats, 'f1');
    chats.updateFile('a@x', 'f1', { state: 'offered', url: 'http://h/files/1/report.pdf' });
    expect(chats.declinedByContact('a@x', 'http://h/files/2/other.pdf')).toBe(false);
    expect(chats.declinedByContact('a@x', 'http://h/files/1/report.pdf', 'another-id')).toBe(false);
    expect(chats.declinedByContact('b@x', 'http://h/files/1/report.pdf', 'f1')).toBe(false);
    expect(chats.conversation('a@x')!.messages[0].file!.state).toBe('offered');
    expect(chats.declinedByContact('a@x', 'http://h/files/1/report.pdf', 'f1')).toBe(true);
    expect(chats.conversation('a@x')!.messages[0].file).toMatchObject({ state: 'declined', url: 'http://h/files/1/report.pdf' });
  });

  it('matches a decline without an id by its URL alone, and never a file the user received', () => {
    const chats = new ChatStore();
    chats.received('a@x', { id: 'in1', body: 'http://h/files/9/x.txt', at: 1, file: { name: 'x.txt', url: 'http://h/files/9/x.txt', state: 'incoming' } }, free);
    expect(chats.declinedByContact('a@x', 'http://h/files/9/x.txt')).toBe(false);
    sentFile(chats, 'f2');
    chats.updateFile('a@x', 'f2', { state: 'offered', url: 'http://h/files/3/report.pdf' });
    expect(chats.declinedByContact('a@x', 'http://h/files/3/report.pdf')).toBe(true);
  });

  it('keeps offers and their state across a reload; an upload the reload cut is marked interrupted', () => {
    const chats = new ChatStore();
    sentFile(chats, 'cut');
    sentFile(chats, 'done');
    chats.updateFile('a@x', 'done', { state: 'offered', url: 'http://h/files/4/report.pdf' });
    chats.received('a@x', { id: 'in2', body: 'http://h/files/5/y.txt', at: 2, file: { name: 'y.txt', size: 3, url: 'http://h/files/5/y.txt', state: 'incoming', from: 'a@x/gadget', offerId: 'o5' } }, free);
    chats.updateFile('a@x', 'in2', { state: 'declined' });
    const restored = new ChatStore();
    restored.restore(JSON.parse(JSON.stringify(chats.snapshot())));
    expect(restored.conversation('a@x')!.messages.map((m) => [m.id, m.dir, m.file?.state])).toEqual([
      ['cut', 'out', 'interrupted'],
      ['done', 'out', 'offered'],
      ['in2', 'in', 'declined'],
    ]);
    expect(restored.conversation('a@x')!.messages[2].file).toMatchObject({ from: 'a@x/gadget', offerId: 'o5', size: 3 });
  });
});
