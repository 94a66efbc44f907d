import { privateXmlStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

privateXmlStoreContract('sqlite', freshStores((stores) => stores.privateXml));
