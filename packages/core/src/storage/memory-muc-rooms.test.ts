import { mucRoomStoreContract } from '@deskchat/testing';
import { MemoryMucRoomStore } from './memory-muc-rooms.js';

mucRoomStoreContract('memory', async () => ({ store: new MemoryMucRoomStore() }));
