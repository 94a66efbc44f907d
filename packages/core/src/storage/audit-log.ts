// Durable port: the administration audit log. Every change an administrator makes (settings, users,
// limits, admins, tokens; later nodes and policy) is appended with who, when, what, and the old and
// new value. Entries are never changed; callers never put a password or a token in them.

export interface AuditEntry {
  /** Assigned by the store; increases in appending order. */
  id: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** `admin:NAME`, `token:NAME`, `token:bootstrap` or `cli`. */
  actor: string;
  /** `noun.verb`, e.g. `settings.chat-servers.update`, `user.add`, `admin.remove`. */
  action: string;
  /** What was changed (a username, a setting key), when there is one. */
  target?: string;
  /** JSON-serialisable; absent when there was nothing before (a creation). */
  oldValue?: unknown;
  /** JSON-serialisable; absent when nothing is left (a removal). */
  newValue?: unknown;
}

export interface AuditQuery {
  /** Only entries with a smaller id (paging backwards from the newest). */
  before?: number;
  /** At most this many (newest first); default 50. */
  limit?: number;
}

export interface AuditLog {
  append(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry>;
  /** Newest first. */
  list(query?: AuditQuery): Promise<AuditEntry[]>;
}
