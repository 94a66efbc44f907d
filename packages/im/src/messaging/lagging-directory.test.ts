// Message routing over a directory copy that lags (core's DirectoryReadOptions.mayBeCached: a
// cluster node's client-side cache, up to an invalidation's trip behind). The copy here is frozen
// before the recipient signs in; routing must read again before it stores or bounces a message.
import { beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { MemorySessionDirectory, memorySharedState, memoryStores, type DirectoryEntry, type DirectoryReadOptions } from '@deskchat/core';
import { Harness, type HarnessClient } from '@deskchat/testing';
import { messagingModules } from './index.js';

/** A directory whose cached reads answer from a copy taken at `freeze()` (fresh reads are live). */
class LaggingDirectory extends MemorySessionDirectory {
  private copy?: Map<string, DirectoryEntry[]>;
  cachedReads = 0;

  async freeze(usernames: string[]): Promise<void> {
    const copy = new Map<string, DirectoryEntry[]>();
    for (const u of usernames) copy.set(u, await super.resourcesOf(u));
    this.copy = copy;
  }

  override async resourcesOf(username: string, options?: DirectoryReadOptions): Promise<DirectoryEntry[]> {
    const copied = options?.mayBeCached ? this.copy?.get(username) : undefined;
    if (copied) this.cachedReads++;
    return copied ? copied.map((e) => ({ ...e })) : super.resourcesOf(username);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const messages = async (client: HarnessClient) => {
  await settle();
  return client.transport.drain().filter((el) => el.name === 'message');
};

let harness: Harness;
let stores: ReturnType<typeof memoryStores>;
let directory: LaggingDirectory;
let alice: HarnessClient;

beforeEach(async () => {
  stores = memoryStores();
  directory = new LaggingDirectory();
  const shared = { ...memorySharedState(stores.presenceState), directory }; // one set for every node (the two-node project)
  harness = await Harness.create({ stores, modules: messagingModules, shared: () => shared });
  await harness.addUser('alice');
  await harness.addUser('bob');
  alice = await harness.connect('alice', { resource: 'desk' });
  await alice.send(xml('presence'));
  await directory.freeze(['bob']); // bob has no resource in the copy
});

describe('routing a message while the directory copy lags (bob signed in after the copy)', () => {
  /**
   * bob signs in after the copy was taken: his laptop, and a pager that takes no bare-JID messages
   * (negative priority) but carbons. The pager gets a <received/> copy only when the IM delivery
   * routed the message (XEP-0280 §7), not when core's plain fallback delivered it.
   */
  const bobSignsIn = async () => {
    const laptop = await harness.connect('bob', { resource: 'laptop' });
    await laptop.send(xml('presence'));
    const pager = await harness.connect('bob', { resource: 'pager' });
    expect((await pager.iq(xml('iq', { type: 'set' }, xml('enable', { xmlns: 'urn:xmpp:carbons:2' })))).attrs.type).toBe('result');
    await pager.send(xml('presence', {}, xml('priority', {}, '-1')));
    for (const c of [laptop, pager]) c.transport.drain();
    return { laptop, pager };
  };
  const carbonIds = async (client: HarnessClient) =>
    (await messages(client)).map((m) => m.getChild('received', 'urn:xmpp:carbons:2')?.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message')?.attrs.id);

  it('delivers a chat to the bare JID live, by the IM&P rules (with its carbons), not to offline storage', async () => {
    const { laptop, pager } = await bobSignsIn();
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat', id: 'm1' }, xml('body', {}, 'hi')));
    const got = await messages(laptop);
    expect(got.map((m) => [m.attrs.id, m.getChild('delay', 'urn:xmpp:delay')])).toEqual([['m1', undefined]]); // not from the offline flush
    expect(await carbonIds(pager)).toEqual(['m1']);
    expect(directory.cachedReads).toBeGreaterThan(0); // the copy was consulted
    await expect(stores.offline.countMessages('bob')).resolves.toBe(0);
  });

  it('delivers a normal message to the full JID, with its carbons, not an error (RFC 6121 §8.5.3.2.1 is for a resource really gone)', async () => {
    const { laptop, pager } = await bobSignsIn();
    await alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'normal', id: 'm2' }, xml('body', {}, 'hello')));
    expect((await messages(laptop)).map((m) => m.attrs.id)).toEqual(['m2']);
    expect(await carbonIds(pager)).toEqual(['m2']);
    expect((await messages(alice)).filter((m) => m.attrs.type === 'error')).toEqual([]);
  });
});
