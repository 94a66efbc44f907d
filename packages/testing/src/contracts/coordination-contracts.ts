// Contract suites for the coordination ports shared by every node: the node bus, named locks and
// the IM&P chat locks. Every backend (memory, Redis) runs them.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BusMessage, ChatLockStore, LockService, NodeBus } from '@deskchat/core';

export interface CoordinationFixture {
  /** Two handles on the same backend, as two nodes would have. */
  bus: [NodeBus, NodeBus];
  locks: [LockService, LockService];
  chatLocks: ChatLockStore;
  cleanup?: () => Promise<void>;
}

/** Resolves with the first `count` messages a handler receives. */
function collector(count: number): { handler: (m: BusMessage) => void; done: Promise<BusMessage[]> } {
  const got: BusMessage[] = [];
  let resolve!: (m: BusMessage[]) => void;
  const done = new Promise<BusMessage[]>((r) => (resolve = r));
  return {
    handler: (m) => {
      got.push(m);
      if (got.length === count) resolve(got);
    },
    done,
  };
}

export function coordinationContract(name: string, make: () => Promise<CoordinationFixture>): void {
  describe(`NodeBus, LockService and ChatLockStore contracts: ${name}`, () => {
    let f: CoordinationFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.cleanup?.();
    });

    it('delivers messages to the addressed node only, in the order they were published', async () => {
      const [a, b] = f.bus;
      const toA = collector(3);
      const toB = collector(1);
      const offA = await a.subscribe('imp1a', toA.handler);
      const offB = await b.subscribe('imp1b', toB.handler);
      const stanza = (n: number): BusMessage => ({ type: 'stanza', to: 'alice@x/desk', stanza: `<message><body>${n} &amp; ü</body></message>` });
      for (const n of [1, 2, 3]) await b.publish('imp1a', stanza(n));
      await a.publish('imp1b', { type: 'close', username: 'bob', resource: 'web', sessionId: 's9', condition: 'conflict', text: 'replaced' });
      await expect(toA.done).resolves.toEqual([stanza(1), stanza(2), stanza(3)]);
      await expect(toB.done).resolves.toEqual([{ type: 'close', username: 'bob', resource: 'web', sessionId: 's9', condition: 'conflict', text: 'replaced' }]);
      await offA();
      await offB();
    });

    it('keeps messages for a node that is not listening until it subscribes again, in order', async () => {
      const [a, b] = f.bus;
      const seen: BusMessage[] = [];
      const off = await a.subscribe('imp1a', (m) => void seen.push(m));
      await off();
      await b.publish('imp1a', { type: 'iq-reply', stanza: '<iq type="result" id="one"/>' });
      await b.publish('imp1a', { type: 'iq-reply', stanza: '<iq type="result" id="two"/>' });
      const back = collector(3);
      const again = await a.subscribe('imp1a', back.handler);
      await b.publish('imp1a', { type: 'iq-reply', stanza: '<iq type="result" id="three"/>' });
      expect((await back.done).map((m) => (m as { stanza: string }).stanza)).toEqual([
        '<iq type="result" id="one"/>',
        '<iq type="result" id="two"/>',
        '<iq type="result" id="three"/>',
      ]);
      expect(seen).toEqual([]);
      await again();
    });

    it("hands a dead node's waiting messages to whoever drains them, once, and nothing of a live node", async () => {
      const [a, b] = f.bus;
      const stanza = (id: string): BusMessage => ({ type: 'stanza', to: 'alice@x/desk', stanza: `<message id="${id}"/>` });
      await a.publish('imp9z', stanza('gap-1'));
      await a.publish('imp9z', stanza('gap-2'));
      await expect(b.drain('imp9z')).resolves.toEqual([stanza('gap-1'), stanza('gap-2')]);
      await expect(b.drain('imp9z')).resolves.toEqual([]);
      const live = collector(1);
      const off = await a.subscribe('imp1a', live.handler);
      await expect(b.drain('imp1a')).resolves.toEqual([]);
      await b.publish('imp1a', stanza('live'));
      await expect(live.done).resolves.toEqual([stanza('live')]);
      await off();
    });

    it('runs holders of one lock one at a time, across handles, and releases it when a task throws', async () => {
      const [a, b] = f.locks;
      const events: string[] = [];
      const task = (who: string) => async () => {
        events.push(`${who}+`);
        await new Promise((r) => setTimeout(r, 5));
        events.push(`${who}-`);
        return who;
      };
      const failing = a.withLock('roster:alice', async () => {
        throw new Error('boom');
      });
      await expect(failing).rejects.toThrow('boom');
      const results = await Promise.all([a.withLock('roster:alice', task('a')), b.withLock('roster:alice', task('b')), a.withLock('roster:alice', task('c'))]);
      expect(results).toEqual(['a', 'b', 'c']);
      for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i].replace('+', '-'));
    });

    it('lets different lock names run at the same time', async () => {
      const [a, b] = f.locks;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const first = a.withLock('roster:alice', () => gate);
      await expect(b.withLock('roster:bob', async () => 'bob ran')).resolves.toBe('bob ran');
      release();
      await first;
    });

    it('keeps chat locks per user and contact, refreshes them only for their session, and releases by session', async () => {
      const store = f.chatLocks;
      await store.lock('bob', 'alice@x', { resource: 'laptop', sessionId: 's1', lastActive: 10 });
      await store.lock('bob', 'carol@x', { resource: 'laptop', sessionId: 's1', lastActive: 10 });
      await store.lock('bob', 'dave@x', { resource: 'phone', sessionId: 's2', lastActive: 10 });
      await store.touch('bob', 'alice@x', 's1', 20);
      await store.touch('bob', 'alice@x', 's2', 30);
      await expect(store.get('bob', 'alice@x')).resolves.toEqual({ resource: 'laptop', sessionId: 's1', lastActive: 20 });
      await store.releaseSession('bob', 's1');
      await expect(store.get('bob', 'alice@x')).resolves.toBeUndefined();
      await expect(store.get('bob', 'carol@x')).resolves.toBeUndefined();
      await expect(store.get('bob', 'dave@x')).resolves.toMatchObject({ sessionId: 's2' });
      await store.release('bob', 'dave@x');
      await expect(store.get('bob', 'dave@x')).resolves.toBeUndefined();
    });

    it('sweeps chat locks idle since before a time', async () => {
      const store = f.chatLocks;
      await store.lock('bob', 'alice@x', { resource: 'laptop', sessionId: 's1', lastActive: 10 });
      await store.lock('carol', 'alice@x', { resource: 'pc', sessionId: 's3', lastActive: 50 });
      await store.sweep(40);
      await expect(store.get('bob', 'alice@x')).resolves.toBeUndefined();
      await expect(store.get('carol', 'alice@x')).resolves.toMatchObject({ sessionId: 's3' });
    });
  });
}
