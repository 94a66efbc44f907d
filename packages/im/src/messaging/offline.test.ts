// XEP-0160 offline messages through the in-process harness: stored with a XEP-0203 delay when the
// user has no available non-negative resource (§2), delivered in order on the next non-negative
// available presence and then deleted, a per-user limit (§2 step 3), the message types stored (§3),
// standalone XEP-0085 chat states not stored (§5.8), and XEP-0334 <no-store/>.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { MemoryOfflineStore, type OfflineStore } from '@deskchat/core';
import { Harness, eventually, isStanzaError, stanzaMatching, type HarnessClient } from '@deskchat/testing';
import { messagingModules } from './index.js';
import { MESSAGING_NS as M } from './namespaces.js';
import { offlineModule } from './offline.js';
import { DEFAULT_OFFLINE_OPTIONS } from './options.js';

const STORED_AT = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const message = (to: string, body: string | undefined, attrs: Record<string, string> = {}, ...extra: Element[]) =>
  xml('message', { to, type: 'chat', ...attrs }, ...(body === undefined ? [] : [xml('body', {}, body)]), ...extra);
const available = (priority = 0) => xml('presence', {}, xml('priority', {}, String(priority)));
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function bodies(client: HarnessClient): Promise<(string | null)[]> {
  await settle();
  return client.transport.drain().filter((el) => el.name === 'message').map((el) => el.getChildText('body'));
}

let harness: Harness;
let alice: HarnessClient;

async function setUp(maxMessagesPerUser = 1000, maxBytesPerUser = 16 * 1024 * 1024): Promise<void> {
  const offline = { ...offlineModule, defaults: { ...DEFAULT_OFFLINE_OPTIONS, maxMessagesPerUser, maxBytesPerUser, now: () => STORED_AT } };
  harness = await Harness.create({ modules: messagingModules.map((m) => (m.name === offline.name ? offline : m)) });
  await harness.addUser('alice');
  await harness.addUser('bob');
  alice = await harness.connect('alice', { resource: 'desk' });
  await alice.send(available());
  alice.transport.drain();
}

const stored = () => harness.core.stores.offline.countMessages('bob');

beforeEach(() => setUp());

describe('storing (XEP-0160 §2–3)', () => {
  it('stores a chat for a user with no available resource, silently, and delivers it with a delay on the next available presence', async () => {
    await alice.send(message('bob@localhost', 'while you were out', { id: 'o1' }));
    expect(await bodies(alice)).toEqual([]);
    await expect(stored()).resolves.toBe(1);

    const bob = await harness.connect('bob', { resource: 'laptop' });
    await expect(bob.next(stanzaMatching('message'), 50)).rejects.toThrow(); // not before initial presence
    await bob.send(available());
    const delivered = await bob.next(stanzaMatching('message'));
    expect(delivered.attrs).toMatchObject({ from: 'alice@localhost/desk', to: 'bob@localhost', type: 'chat', id: 'o1' });
    expect(delivered.getChildText('body')).toBe('while you were out');
    const delay = delivered.getChild('delay', M.DELAY);
    expect(delay?.attrs).toEqual({ xmlns: M.DELAY, from: 'localhost', stamp: '2024-01-02T03:04:05.678Z' });
    await eventually(async () => (await stored()) === 0, 'offline queue emptied after the receipt');
  });

  it('delivers the queue in the order it arrived, once', async () => {
    for (const body of ['one', 'two', 'three']) await alice.send(message('bob@localhost', body));
    await alice.send(xml('message', { to: 'bob@localhost' }, xml('body', {}, 'four (normal)')));
    const bob = await harness.connect('bob', { resource: 'laptop' });
    await bob.send(available());
    expect(await bodies(bob)).toEqual(['one', 'two', 'three', 'four (normal)']);
    await bob.send(xml('presence', { type: 'unavailable' }));
    await bob.send(available());
    expect(await bodies(bob)).toEqual([]);
  });

  it('keeps the queue while the only available resource has a negative priority, and flushes it at priority ≥ 0', async () => {
    const bob = await harness.connect('bob', { resource: 'laptop' });
    await bob.send(available(-1));
    await alice.send(message('bob@localhost', 'queued'));
    expect(await bodies(bob)).toEqual([]);
    await expect(stored()).resolves.toBe(1);
    await bob.send(available(1));
    expect(await bodies(bob)).toEqual(['queued']);
  });

  it('flushes to the session that became available only, and only once', async () => {
    await alice.send(message('bob@localhost', 'queued'));
    const laptop = await harness.connect('bob', { resource: 'laptop' });
    const phone = await harness.connect('bob', { resource: 'phone' });
    await laptop.send(available());
    await phone.send(available());
    expect(await bodies(laptop)).toEqual(['queued']);
    expect(await bodies(phone)).toEqual([]);
  });

  it('delivers the queue once when two resources become available at the same moment', async () => {
    await alice.send(message('bob@localhost', 'one'));
    await alice.send(message('bob@localhost', 'two'));
    const laptop = await harness.connect('bob', { resource: 'laptop' });
    const phone = await harness.connect('bob', { resource: 'phone' });
    await Promise.all([laptop.send(available()), phone.send(available())]);
    expect([...(await bodies(laptop)), ...(await bodies(phone))]).toEqual(['one', 'two']);
    await eventually(async () => (await stored()) === 0, 'offline queue emptied after the receipt');
  });

  it('delivers a message that was being stored while its recipient became available (no race with the flush)', async () => {
    // An asynchronous store whose write lands only after the recipient's initial presence has
    // been handled and its (then empty) queue flushed.
    const memory = new MemoryOfflineStore();
    let land!: () => void;
    const landed = new Promise<void>((resolve) => (land = resolve));
    const slow: OfflineStore = Object.assign(Object.create(memory), {
      storeMessage: async (...args: Parameters<OfflineStore['storeMessage']>) => {
        await landed;
        return memory.storeMessage(...args);
      },
    });
    harness = await Harness.create({ modules: messagingModules, stores: { offline: slow } });
    await harness.addUser('alice');
    await harness.addUser('bob');
    alice = await harness.connect('alice', { resource: 'desk' });
    await alice.send(available());
    const sending = alice.send(message('bob@localhost', 'in flight'));
    const bob = await harness.connect('bob', { resource: 'laptop' });
    await bob.send(available());
    land();
    await sending;
    const delivered = await bob.next(stanzaMatching('message'));
    expect(delivered.getChildText('body')).toBe('in flight');
    await eventually(async () => (await memory.countMessages('bob')) === 0, 'offline queue emptied after the receipt');
  });

  describe('a live message that comes while the flush is writing the queue', () => {
    /** A harness whose flush stops at reading the queue until `read()` (a store answering slowly). */
    async function withSlowQueue(holdLiveMessagesMs: number): Promise<{ read: () => void }> {
      const memory = new MemoryOfflineStore();
      let read!: () => void;
      const isRead = new Promise<void>((resolve) => (read = resolve));
      const slow: OfflineStore = Object.assign(Object.create(memory), {
        listMessages: async (username: string) => {
          await isRead;
          return memory.listMessages(username);
        },
      });
      const offline = { ...offlineModule, defaults: { ...DEFAULT_OFFLINE_OPTIONS, holdLiveMessagesMs } };
      harness = await Harness.create({ modules: messagingModules.map((m) => (m.name === offline.name ? offline : m)), stores: { offline: slow } });
      await harness.addUser('alice');
      await harness.addUser('bob');
      alice = await harness.connect('alice', { resource: 'desk' });
      await alice.send(available());
      for (const body of ['one', 'two']) await alice.send(message('bob@localhost', body));
      return { read };
    }

    it('comes after the stored ones from the same sender (RFC 6120 §10.1 order)', async () => {
      const { read } = await withSlowQueue(10_000);
      const bob = await harness.connect('bob', { resource: 'laptop' });
      await bob.send(available()); // the flush now waits for the queue
      await alice.send(message('bob@localhost', 'live'));
      await settle();
      read();
      const got: (string | null)[] = [];
      for (let i = 0; i < 3; i++) got.push((await bob.next(stanzaMatching('message'))).getChildText('body'));
      expect(got).toEqual(['one', 'two', 'live']);
    });

    it('is held no longer than holdLiveMessagesMs when the flush cannot finish, and the stored ones still come', async () => {
      const { read } = await withSlowQueue(100);
      const bob = await harness.connect('bob', { resource: 'laptop' });
      await bob.send(available());
      await alice.send(message('bob@localhost', 'live'));
      expect((await bob.next(stanzaMatching('message'), 2000)).getChildText('body')).toBe('live');
      read();
      const got: (string | null)[] = [];
      for (let i = 0; i < 2; i++) got.push((await bob.next(stanzaMatching('message'))).getChildText('body'));
      expect(got).toEqual(['one', 'two']);
    });
  });

  it('stores a chat sent to a full JID that is offline, as RFC 6121 §8.5.3.2.1 makes it a bare-JID message', async () => {
    await alice.send(message('bob@localhost/old', 'to an old resource'));
    await expect(stored()).resolves.toBe(1);
  });

  it('answers service-unavailable with a text once the user\'s queue is full, keeping what was stored (§2 step 3)', async () => {
    await setUp(2);
    await alice.send(message('bob@localhost', 'one'));
    await alice.send(message('bob@localhost', 'two'));
    await alice.send(message('bob@localhost', 'three', { id: 'full' }));
    const error = await alice.next(stanzaMatching('message', { id: 'full' }));
    expect(isStanzaError(error, 'service-unavailable')).toBe(true);
    expect(StanzaError.fromStanza(error)?.text).toMatch(/offline message queue is full \(XEP-0160 §2\)/);
    const bob = await harness.connect('bob', { resource: 'laptop' });
    await bob.send(available());
    expect(await bodies(bob)).toEqual(['one', 'two']);
  });

  it('answers the same service-unavailable once the user\'s stored messages pass offline.maxBytesPerUser (issue #7 §2)', async () => {
    await setUp(1000, 4096);
    await alice.send(message('bob@localhost', 'a'.repeat(1500)));
    await alice.send(message('bob@localhost', 'b'.repeat(1500)));
    await alice.send(message('bob@localhost', 'c'.repeat(1500), { id: 'too-big' }));
    const error = await alice.next(stanzaMatching('message', { id: 'too-big' }));
    expect(isStanzaError(error, 'service-unavailable')).toBe(true);
    await expect(stored()).resolves.toBe(2);
  });
});

describe('what is not stored (XEP-0160 §3)', () => {
  it('drops standalone chat states silently, with or without a thread (XEP-0085 §5.8)', async () => {
    await alice.send(message('bob@localhost', undefined, {}, xml('composing', { xmlns: M.CHATSTATES })));
    await alice.send(message('bob@localhost', undefined, {}, xml('thread', {}, 't'), xml('gone', { xmlns: M.CHATSTATES })));
    await expect(stored()).resolves.toBe(0);
    await settle();
    expect(alice.transport.drain()).toEqual([]);
  });

  it('stores a chat with a body and an <active/> chat state', async () => {
    await alice.send(message('bob@localhost', 'hello', {}, xml('active', { xmlns: M.CHATSTATES })));
    await expect(stored()).resolves.toBe(1);
  });

  it('stores neither headline, groupchat nor error messages (RFC 6121 §8.5.2.2.1)', async () => {
    await alice.send(message('bob@localhost', 'news', { type: 'headline' }));
    await alice.send(message('bob@localhost', 'room', { type: 'groupchat', id: 'g' }));
    await alice.send(message('bob@localhost', 'oops', { type: 'error' }));
    expect(isStanzaError(await alice.next(stanzaMatching('message', { id: 'g' })), 'service-unavailable')).toBe(true);
    await expect(stored()).resolves.toBe(0);
  });

  it('refuses a message with the <no-store/> hint with the same error as for a user that does not exist (XEP-0334 §4.3)', async () => {
    await alice.send(message('bob@localhost', 'ephemeral', { id: 'x' }, xml('no-store', { xmlns: M.HINTS })));
    await alice.send(message('nobody@localhost', 'ephemeral', { id: 'x' }));
    const [refused, unknown] = [await alice.next(stanzaMatching('message')), await alice.next(stanzaMatching('message'))];
    expect(isStanzaError(refused, 'service-unavailable')).toBe(true);
    expect(refused.getChild('error')!.toString()).toBe(unknown.getChild('error')!.toString());
    expect(unknown.getChild('error')?.getChild('text', NS.STANZA_ERRORS)).toBeUndefined();
    await expect(stored()).resolves.toBe(0);
  });

  it('stores nothing for a user that does not exist', async () => {
    await alice.send(message('nobody@localhost', 'hello?'));
    expect(isStanzaError(await alice.next(stanzaMatching('message')), 'service-unavailable')).toBe(true);
    await expect(harness.core.stores.offline.countMessages('nobody')).resolves.toBe(0);
  });
});
