import { settingsStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

settingsStoreContract('sqlite', freshStores((stores) => stores.settings));
