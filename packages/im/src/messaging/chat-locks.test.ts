// ChatLocks, the IM&P forking lock rules (chat-locks.ts), over the in-memory ChatLockStore with an
// injected clock.
import { describe, it, expect } from '@jest/globals';
import { MemoryChatLockStore, StoreUnavailableError, type ChatLockStore } from '@deskchat/core';
import { ChatLocks } from './chat-locks.js';

const holder = async (locks: ChatLocks, user: string, contact: string) => (await locks.locked(user, contact))?.sessionId;

describe('ChatLocks', () => {
  it('locks a contact to the session the user answered from, per contact', async () => {
    const locks = new ChatLocks(new MemoryChatLockStore(), 0, () => 0);
    await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
    await expect(locks.locked('bob', 'alice@localhost')).resolves.toEqual({ resource: 'laptop', sessionId: 's1', lastActive: 0 });
    await expect(locks.locked('bob', 'carol@localhost')).resolves.toBeUndefined();
    await expect(locks.locked('dave', 'alice@localhost')).resolves.toBeUndefined();
  });

  it('lets a lock lapse after the idle time since the last message, and never with idle time 0', async () => {
    let now = 0;
    const store = new MemoryChatLockStore();
    const locks = new ChatLocks(store, 1000, () => now);
    await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
    now = 900;
    await locks.touch('bob', 'alice@localhost', 's1');
    now = 1800;
    await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBe('s1');
    now = 1900;
    await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBeUndefined();
    expect(store.size).toBe(0);

    const forever = new ChatLocks(new MemoryChatLockStore(), 0, () => now);
    await forever.lock('bob', 'alice@localhost', 'laptop', 's1');
    now = 1e12;
    await expect(holder(forever, 'bob', 'alice@localhost')).resolves.toBe('s1');
  });

  it('does not refresh a lock through a message that went to another session', async () => {
    let now = 0;
    const locks = new ChatLocks(new MemoryChatLockStore(), 1000, () => now);
    await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
    now = 900;
    await locks.touch('bob', 'alice@localhost', 's2');
    now = 1000;
    await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBeUndefined();
  });

  it('releases every lock held by a session that went away, and nothing else', async () => {
    const store = new MemoryChatLockStore();
    const locks = new ChatLocks(store, 0, () => 0);
    await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
    await locks.lock('bob', 'carol@localhost', 'laptop', 's1');
    await locks.lock('bob', 'dave@localhost', 'phone', 's2');
    await locks.releaseSession('bob', 's1');
    expect(store.size).toBe(1);
    await expect(holder(locks, 'bob', 'dave@localhost')).resolves.toBe('s2');
    await locks.releaseSession('bob', 's2');
    expect(store.size).toBe(0);
  });

  it('sweeps lapsed locks so that quiet conversations do not pile up', async () => {
    let now = 0;
    const store = new MemoryChatLockStore();
    const locks = new ChatLocks(store, 1000, () => now);
    await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
    now = 500;
    await locks.lock('carol', 'alice@localhost', 'pc', 's3');
    now = 1200;
    await locks.sweep();
    expect(store.size).toBe(1);
    await expect(holder(locks, 'carol', 'alice@localhost')).resolves.toBe('s3');
  });

  it('has no locks while the shared store is unreachable (issue 8 §8): chats fork, nothing fails; other errors still do', async () => {
    const failing = (err: Error): ChatLockStore =>
      new Proxy({} as ChatLockStore, { get: () => () => Promise.reject(err) });
    const down = new ChatLocks(failing(new StoreUnavailableError('redis', 'Redis is unavailable')), 1000, () => 0);
    await expect(down.lock('bob', 'alice@localhost', 'laptop', 's1')).resolves.toBeUndefined();
    await expect(down.locked('bob', 'alice@localhost')).resolves.toBeUndefined();
    await expect(down.touch('bob', 'alice@localhost', 's1')).resolves.toBeUndefined();
    await expect(down.release('bob', 'alice@localhost')).resolves.toBeUndefined();
    await expect(down.releaseSession('bob', 's1')).resolves.toBeUndefined();
    const broken = new ChatLocks(failing(new Error('a bug')), 1000, () => 0);
    await expect(broken.locked('bob', 'alice@localhost')).rejects.toThrow('a bug');
  });

  describe('writes left out within a tenth of the idle time (a conversation locks and touches the same lock with every message)', () => {
    /** The in-memory store, counting the writes that reach it. */
    const counting = () => {
      const store = new MemoryChatLockStore();
      const writes: string[] = [];
      const counted = new Proxy(store, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (name === 'lock' || name === 'touch') writes.push(`${String(name)} ${String(args[2] && typeof args[2] === 'object' ? (args[2] as { sessionId: string }).sessionId : args[2])}`);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      return { store, counted, writes };
    };

    it('writes a lock by the same session once per refresh window, and its touches only after it', async () => {
      let now = 0;
      const { counted, writes } = counting();
      const locks = new ChatLocks(counted, 1000, () => now);
      for (now = 0; now < 100; now += 10) {
        await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
        await locks.touch('bob', 'alice@localhost', 's1');
      }
      expect(writes).toEqual(['lock s1']);
      now = 100;
      await locks.touch('bob', 'alice@localhost', 's1');
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      expect(writes).toEqual(['lock s1', 'touch s1', 'lock s1']);
    });

    it('writes at once a lock to another session (the user answered from another device)', async () => {
      let now = 0;
      const { counted, writes } = counting();
      const locks = new ChatLocks(counted, 1000, () => now);
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      now = 1;
      await locks.lock('bob', 'alice@localhost', 'phone', 's2');
      now = 2;
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      expect(writes).toEqual(['lock s1', 'lock s2', 'lock s1']);
      await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBe('s1');
    });

    it('writes at once after the lock was released, by the session going away or by the rule', async () => {
      let now = 0;
      const { counted, writes } = counting();
      const locks = new ChatLocks(counted, 1000, () => now);
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      await locks.releaseSession('bob', 's1');
      now = 1;
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBe('s1');
      await locks.release('bob', 'alice@localhost');
      now = 2;
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBe('s1');
      expect(writes).toEqual(['lock s1', 'lock s1', 'lock s1']);
    });

    it('keeps a refreshed lock alive to within the window of its idle time', async () => {
      let now = 0;
      const locks = new ChatLocks(new MemoryChatLockStore(), 1000, () => now);
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      for (now = 0; now <= 950; now += 50) await locks.touch('bob', 'alice@localhost', 's1');
      now = 1850; // 900 after the last write (at 900 or later), well inside the idle time of 1000
      await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBe('s1');
    });

    it('does not remember a write the unreachable store did not take', async () => {
      const store = new MemoryChatLockStore();
      let isDown = true;
      const flaky = new Proxy(store, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => (isDown ? Promise.reject(new StoreUnavailableError('redis', 'Redis is unavailable')) : (value as (...a: unknown[]) => unknown).apply(target, args));
        },
      });
      const locks = new ChatLocks(flaky, 1000, () => 0);
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      isDown = false;
      await locks.lock('bob', 'alice@localhost', 'laptop', 's1');
      await expect(holder(locks, 'bob', 'alice@localhost')).resolves.toBe('s1');
    });
  });
});
