import { pubsubSubscriptionStoreContract } from '@deskchat/testing';
import { MemoryPubsubSubscriptionStore } from './memory-pubsub-subscriptions.js';

pubsubSubscriptionStoreContract('memory', async () => ({ store: new MemoryPubsubSubscriptionStore() }));
