import { pepStoreContract } from '@deskchat/testing';
import { MemoryPepStore } from './memory-pep.js';

pepStoreContract('memory', async () => ({ store: new MemoryPepStore() }));
