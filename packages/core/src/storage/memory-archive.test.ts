import { archiveStoreContract } from '@deskchat/testing';
import { MemoryArchiveStore } from './memory-archive.js';

archiveStoreContract('memory', async () => ({ store: new MemoryArchiveStore() }));
