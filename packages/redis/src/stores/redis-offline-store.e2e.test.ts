// The OfflineStore contract suite, run against a real redis-server.
import { offlineStoreContract } from '@deskchat/testing';
import { describe, expect, it } from '@jest/globals';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisOfflineStore } from './redis-offline-store.js';

const fixture = useRedisServer();

offlineStoreContract('redis', async () => ({ store: new RedisOfflineStore(await fixture.fresh()) }));

describe('RedisOfflineStore beyond the contract: the byte total kept for quotas', () => {
  const message = (body: string) => ({ stanza: `<message><body>${body}</body></message>`, storedAt: 1_700_000_000_123 });
  const size = (body: string) => Buffer.byteLength(message(body).stanza, 'utf8');

  it('counts the UTF-8 bytes of what is stored, through stores and removals, back to zero', async () => {
    const store = new RedisOfflineStore(await fixture.fresh());
    await store.storeMessage('bob', message('héllo 😀'), { maxMessages: 10, maxBytes: 1_000_000 });
    await store.storeMessage('bob', message('x:y:z'), { maxMessages: 10, maxBytes: 1_000_000 });
    await expect(store.usage('bob')).resolves.toEqual({ count: 2, bytes: size('héllo 😀') + size('x:y:z') });
    const [first, second] = await store.listMessages('bob');
    expect(second!.stanza).toBe(message('x:y:z').stanza);
    await store.removeMessages('bob', [first!.id, 12345]);
    await expect(store.usage('bob')).resolves.toEqual({ count: 1, bytes: size('x:y:z') });
    await store.removeMessages('bob', [second!.id, second!.id]);
    await expect(store.usage('bob')).resolves.toEqual({ count: 0, bytes: 0 });
  });

  it('refuses a message past a byte ceiling, atomically, and tells it apart from the count limit', async () => {
    const store = new RedisOfflineStore(await fixture.fresh());
    const ceiling = size('a') * 2;
    await expect(store.store('bob', message('a'), 10, ceiling)).resolves.toBeGreaterThan(0);
    await expect(store.store('bob', message('b'), 10, ceiling)).resolves.toBeGreaterThan(0);
    await expect(store.store('bob', message('c'), 10, ceiling)).resolves.toBe(-1);
    await expect(store.store('bob', message('c'), 2)).resolves.toBe(0);
    await expect(store.usage('bob')).resolves.toEqual({ count: 2, bytes: ceiling });
  });

  it('never reuses an id after the queue empties', async () => {
    const store = new RedisOfflineStore(await fixture.fresh());
    await store.storeMessage('bob', message('one'), { maxMessages: 10, maxBytes: 1_000_000 });
    const [one] = await store.listMessages('bob');
    await store.removeMessages('bob', [one!.id]);
    await store.storeMessage('bob', message('two'), { maxMessages: 10, maxBytes: 1_000_000 });
    const [two] = await store.listMessages('bob');
    expect(two!.id).toBeGreaterThan(one!.id);
  });
});
