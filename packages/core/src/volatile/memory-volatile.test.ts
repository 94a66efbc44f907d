// The in-memory shared-state ports against their contract suites (packages/testing/src/contracts).
import { coordinationContract, presenceStoreContract, sessionDirectoryContract, streamResumptionStoreContract } from '@deskchat/testing';
import { MemoryChatLockStore, MemoryLocks, MemoryNodeBus, MemoryPresenceStore, MemorySessionDirectory, MemoryStreamResumptionStore } from './index.js';

sessionDirectoryContract('memory', async () => ({ directory: new MemorySessionDirectory() }));
presenceStoreContract('memory', async () => ({ store: new MemoryPresenceStore() }));
coordinationContract('memory', async () => {
  const bus = new MemoryNodeBus();
  const locks = new MemoryLocks();
  return { bus: [bus, bus], locks: [locks, locks], chatLocks: new MemoryChatLockStore() };
});
streamResumptionStoreContract('memory', async () => {
  const store = new MemoryStreamResumptionStore();
  return { stores: [store, store] };
});
