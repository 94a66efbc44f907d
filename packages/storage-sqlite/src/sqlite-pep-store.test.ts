import { pepStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

pepStoreContract('sqlite', freshStores((stores) => stores.pep));
