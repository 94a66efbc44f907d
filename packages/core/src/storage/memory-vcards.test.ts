// Runs the VCardStore contract (XEP-0054 storage) against the in-memory reference store.
import { vcardStoreContract } from '@deskchat/testing';
import { MemoryVCardStore } from '@deskchat/core';

vcardStoreContract('memory', async () => ({ store: new MemoryVCardStore() }));
