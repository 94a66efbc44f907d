import { archiveStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

archiveStoreContract('sqlite', freshStores((stores) => stores.archive));

