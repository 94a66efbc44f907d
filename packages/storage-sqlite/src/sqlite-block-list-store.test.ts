import { blockListStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

blockListStoreContract('sqlite', freshStores((stores) => stores.blockList));
