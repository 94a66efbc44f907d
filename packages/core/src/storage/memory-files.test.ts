import { fileStoreContract } from '@deskchat/testing';
import { MemoryFileStore } from './memory-files.js';

fileStoreContract('memory', async () => ({ store: new MemoryFileStore() }));
