import { blockListStoreContract } from '@deskchat/testing';
import { MemoryBlockListStore } from './memory-block-list.js';

blockListStoreContract('memory', async () => ({ store: new MemoryBlockListStore() }));
