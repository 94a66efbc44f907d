// The PubsubSubscriptionStore contract suite, run against a real redis-server.
import { pubsubSubscriptionStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisPubsubSubscriptionStore } from './redis-pubsub-subscription-store.js';

const fixture = useRedisServer();

pubsubSubscriptionStoreContract('redis', async () => ({ store: new RedisPubsubSubscriptionStore(await fixture.fresh()) }));
