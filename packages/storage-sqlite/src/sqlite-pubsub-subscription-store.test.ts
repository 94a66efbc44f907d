import { pubsubSubscriptionStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

pubsubSubscriptionStoreContract('sqlite', freshStores((stores) => stores.pubsubSubscriptions));
