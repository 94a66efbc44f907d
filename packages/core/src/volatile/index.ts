// Volatile, shared state behind ports (design.md §4): in memory on a single node (or Cores
// sharing one process), Redis in a cluster.
import type { ChatLockStore } from './chat-lock-store.js';
import type { LockService } from './locks.js';
import { MemoryChatLockStore } from './memory-chat-lock-store.js';
import { MemoryLocks } from './memory-locks.js';
import { MemoryMucOccupantStore } from './memory-muc-occupants.js';
import type { MucOccupantStore } from './muc-occupants.js';
import { MemoryNodeBus } from './memory-node-bus.js';
import { MemoryPresenceStore } from './memory-presence-store.js';
import type { PresenceStateStore } from '../storage/presence-state.js';
import { MemorySessionDirectory } from './memory-session-directory.js';
import { MemoryBoshStateStore } from './memory-bosh-state.js';
import type { BoshStateStore } from './bosh-state.js';
import type { NodeBus } from './node-bus.js';
import type { PresenceStore } from './presence-store.js';
import type { SessionDirectory } from './session-directory.js';
import { MemoryStreamResumptionStore } from './memory-stream-resumption-store.js';
import type { StreamResumptionStore } from './stream-resumption-store.js';

export type { DirectoryEntry, DirectoryReadOptions, EntryFlags, RegisterResult, RegisterRules, SessionDirectory } from './session-directory.js';
export { SERVER_OWNED, type AvailableRecord, type LastSeen, type PresenceStore } from './presence-store.js';
export type { BusHandler, BusMessage, NodeBus } from './node-bus.js';
export type { LockOptions, LockService } from './locks.js';
export type { ChatLock, ChatLockStore } from './chat-lock-store.js';
export type { MucOccupant, MucOccupantStore, MucRole } from './muc-occupants.js';
export type { BoshOutboxEntry, BoshParamsRecord, BoshProgress, BoshResponseRecord, BoshState, BoshStateRecord, BoshStateStore } from './bosh-state.js';
export type { ClaimRequest, ResumableStream, StreamResumptionStore } from './stream-resumption-store.js';
export { MemorySessionDirectory, MemoryPresenceStore, MemoryNodeBus, MemoryLocks, MemoryChatLockStore, MemoryBoshStateStore, MemoryMucOccupantStore, MemoryStreamResumptionStore };

export interface SharedState {
  directory: SessionDirectory;
  presence: PresenceStore;
  bus: NodeBus;
  locks: LockService;
  chatLocks: ChatLockStore;
  /** XEP-0045 occupants and room history (the muc package). */
  mucOccupants: MucOccupantStore;
  /**
   * BOSH session state another node can adopt (issue "Failover"); absent on a single node, where
   * nobody else could continue a session and keeping it would only cost.
   */
  boshState?: BoshStateStore;
  /**
   * XEP-0198 resumable streams (stream/sm/). In memory on a single node; shared (Redis) so that a
   * stream can be resumed on another node. Absent: each Core keeps its own in memory (streams then
   * resume only on the node that served them).
   */
  resumption?: StreamResumptionStore;
}

/** Shared state for one node (last seen and outside sources kept in `presenceState`), or for several Cores in one process when passed to each. */
export function memorySharedState(presenceState?: PresenceStateStore): SharedState {
  return {
    directory: new MemorySessionDirectory(),
    presence: new MemoryPresenceStore(presenceState),
    bus: new MemoryNodeBus(),
    locks: new MemoryLocks(),
    chatLocks: new MemoryChatLockStore(),
    mucOccupants: new MemoryMucOccupantStore(),
    resumption: new MemoryStreamResumptionStore(),
  };
}
