import { mucRoomStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

mucRoomStoreContract('sqlite', freshStores((stores) => stores.mucRooms));
