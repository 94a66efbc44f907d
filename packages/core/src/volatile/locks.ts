// Port: named mutual exclusion across every node (a per-user critical section). Roster and
// subscription changes read a state, compute the next one (RFC 6121 Appendix A) and write it
// back; an offline flush must not deliver the same queue twice. Memory: an async mutex per name;
// Redis: a lock key with a token and a TTL (so that a dead node's lock lapses).

export interface LockOptions {
  /** How long the holder may keep the lock before it lapses (a dead holder must not block forever). */
  ttlMs?: number;
}

export interface LockService {
  /** Runs `task` while holding the lock `name`, after every earlier holder; the lock is released whatever `task` does. Not re-entrant. */
  withLock<T>(name: string, task: () => Promise<T>, options?: LockOptions): Promise<T>;
}
