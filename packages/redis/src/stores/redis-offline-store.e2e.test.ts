// The OfflineStore contract suite, run against a real redis-server.
import { offlineStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisOfflineStore } from './redis-offline-store.js';

const fixture = useRedisServer();

offlineStoreContract('redis', async () => ({ store: new RedisOfflineStore(await fixture.fresh()) }));
