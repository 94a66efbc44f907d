// Runs the RosterStore contract (RFC 6121 rosters, XEP-0237 versions, pending requests) against the in-memory reference store.
import { rosterStoreContract } from '@deskchat/testing';
import { MemoryRosterStore } from '@deskchat/core';

rosterStoreContract('memory', async () => ({ store: new MemoryRosterStore() }));
