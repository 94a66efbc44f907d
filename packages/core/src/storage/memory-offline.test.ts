// Runs the OfflineStore contract (XEP-0160 offline storage) against the in-memory reference store.
import { offlineStoreContract } from '@deskchat/testing';
import { MemoryOfflineStore } from '@deskchat/core';

offlineStoreContract('memory', async () => ({ store: new MemoryOfflineStore() }));
