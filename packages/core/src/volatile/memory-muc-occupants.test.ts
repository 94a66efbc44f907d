import { mucOccupantStoreContract } from '@deskchat/testing';
import { MemoryMucOccupantStore } from './memory-muc-occupants.js';

mucOccupantStoreContract('memory', async () => ({ store: new MemoryMucOccupantStore() }));
