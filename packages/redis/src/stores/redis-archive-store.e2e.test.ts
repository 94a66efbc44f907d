// The ArchiveStore contract suite, run against a real redis-server.
import { archiveStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisArchiveStore } from './redis-archive-store.js';

const fixture = useRedisServer();

archiveStoreContract('redis', async () => ({ store: new RedisArchiveStore(await fixture.fresh()) }));
