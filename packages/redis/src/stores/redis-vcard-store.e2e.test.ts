// The VCardStore contract suite, run against a real redis-server.
import { vcardStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisVCardStore } from './redis-vcard-store.js';

const fixture = useRedisServer();

vcardStoreContract('redis', async () => ({ store: new RedisVCardStore(await fixture.fresh()) }));
