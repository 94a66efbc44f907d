// The PrivateXmlStore contract suite, run against a real redis-server.
import { privateXmlStoreContract } from '@deskchat/testing';
import { describe, expect, it } from '@jest/globals';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisPrivateXmlStore } from './redis-private-xml-store.js';

const fixture = useRedisServer();

privateXmlStoreContract('redis', async () => ({ store: new RedisPrivateXmlStore(await fixture.fresh()) }));

describe('RedisPrivateXmlStore beyond the contract: the byte total kept for quotas', () => {
  it('follows sets, replacements and removals in UTF-8 bytes', async () => {
    const store = new RedisPrivateXmlStore(await fixture.fresh());
    const a = '<a xmlns="urn:x">ü</a>';
    const b = '<b xmlns="urn:x">😀😀</b>';
    await store.setItem('alice', 'a urn:x', a);
    await store.setItem('alice', 'b urn:x', b);
    await expect(store.usedBytes('alice')).resolves.toBe(Buffer.byteLength(a) + Buffer.byteLength(b));
    await store.setItem('alice', 'a urn:x', '<a xmlns="urn:x"/>');
    await expect(store.usedBytes('alice')).resolves.toBe(Buffer.byteLength('<a xmlns="urn:x"/>') + Buffer.byteLength(b));
    await store.removeItem('alice', 'b urn:x');
    await store.removeItem('alice', 'b urn:x');
    await expect(store.usedBytes('alice')).resolves.toBe(Buffer.byteLength('<a xmlns="urn:x"/>'));
    await store.removeUser('alice');
    await expect(store.usedBytes('alice')).resolves.toBe(0);
  });

  it('refuses an element that would take the user past a byte ceiling, counting the one it replaces', async () => {
    const store = new RedisPrivateXmlStore(await fixture.fresh());
    const ten = '<a>123</a>';
    await expect(store.set('alice', 'a', ten, 20)).resolves.toBe(10);
    await expect(store.set('alice', 'b', ten, 20)).resolves.toBe(20);
    await expect(store.set('alice', 'c', '<c/>', 20)).resolves.toBe(-1);
    await expect(store.set('alice', 'b', '<b>1234</b>', 21)).resolves.toBe(21);
    await expect(store.getItem('alice', 'c')).resolves.toBeUndefined();
  });
});
