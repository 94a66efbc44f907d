// The PepStore contract suite, run against a real redis-server.
import { pepStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisPepStore } from './redis-pep-store.js';

const fixture = useRedisServer();

pepStoreContract('redis', async () => ({ store: new RedisPepStore(await fixture.fresh()) }));
