// Durable port: the part of a user's presence that outlives sessions and restarts — the last
// unavailable presence with its time (a probe's answer, XEP-0203 delay) and outside sources (the
// phone's on-call state, the calendar's in-meeting state). A single node keeps it here (SQLite);
// the PresenceStore in front of it (volatile/presence-store.ts) holds everything else in memory.
// In a cluster the Redis PresenceStore keeps all of it and this port is not used.
import type { PresenceStore } from '../volatile/presence-store.js';

export type PresenceStateStore = Pick<PresenceStore, 'setLastSeen' | 'getLastSeen' | 'setSource' | 'getSources' | 'removeUser'>;
