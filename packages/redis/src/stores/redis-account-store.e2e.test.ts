// The AccountStore contract suite, run against a real redis-server.
import { accountStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisAccountStore } from './redis-account-store.js';

const fixture = useRedisServer();

accountStoreContract('redis', async () => ({ store: new RedisAccountStore(await fixture.fresh()) }));
