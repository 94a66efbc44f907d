// The stores a core runs on: durable (accounts, later rosters, vCards, offline, settings, files)
// and volatile (later: session directory, BOSH sessions, node liveness, node bus).
import type { AccountStore } from './storage/accounts.js';
import { MemoryAccountStore } from './storage/memory-accounts.js';

export interface Stores {
  accounts: AccountStore;
}

export function memoryStores(): Stores {
  return { accounts: new MemoryAccountStore() };
}
