// The in-memory shared-state ports against their contract suites (packages/testing/src/contracts).
import { boshStateContract, coordinationContract, presenceStoreContract, sessionDirectoryContract, streamResumptionStoreContract } from '@deskchat/testing';
import { MemoryBoshStateStore, MemoryChatLockStore, MemoryLocks, MemoryNodeBus, MemoryPresenceStore, MemorySessionDirectory, MemoryStreamResumptionStore } from './index.js';

sessionDirectoryContract('memory', async () => ({ directory: new MemorySessionDirectory() }));
presenceStoreContract('memory', async () => ({ store: new MemoryPresenceStore() }));
coordinationContract('memory', async () => {
  const bus = new MemoryNodeBus();
  const locks = new MemoryLocks();
  return { bus: [bus, bus], locks: [locks, locks], chatLocks: new MemoryChatLockStore() };
});
boshStateContract('memory', async () => ({ store: new MemoryBoshStateStore() }));
streamResumptionStoreContract('memory', async () => {
  const store = new MemoryStreamResumptionStore();
  return { stores: [store, store] };
});
