// The BlockListStore contract suite, run against a real redis-server.
import { blockListStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisBlockListStore } from './redis-block-list-store.js';

const fixture = useRedisServer();

blockListStoreContract('redis', async () => ({ store: new RedisBlockListStore(await fixture.fresh()) }));
