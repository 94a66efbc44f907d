export type { Account, AccountStore, AccountSummary, Credentials, ScramCredential, ScramHash } from './accounts.js';
export { MemoryAccountStore } from './memory-accounts.js';
