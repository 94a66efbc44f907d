// Runs the AccountStore contract (RFC 5802 credentials storage) against the in-memory reference store.
import { accountStoreContract } from '@deskchat/testing';
import { MemoryAccountStore } from '@deskchat/core';

accountStoreContract('memory', async () => ({ store: new MemoryAccountStore() }));
