// The PrivateXmlStore contract suite, run against a real redis-server.
import { privateXmlStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisPrivateXmlStore } from './redis-private-xml-store.js';

const fixture = useRedisServer();

privateXmlStoreContract('redis', async () => ({ store: new RedisPrivateXmlStore(await fixture.fresh()) }));
