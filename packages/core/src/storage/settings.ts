// Durable port: server-wide settings that administrators change at run time (the desktop-chat
// gadget's primary and secondary chat server URLs, the file-transfer policy, load limits). Each
// key holds one JSON value, validated by its owner's parser before it is written; the store only
// keeps it with who changed it and when. `revision` grows by one on every write of any key, so
// that a node (or an HTTP cache, as an ETag) can tell that something changed without comparing values.

export interface StoredSetting<T = unknown> {
  value: T;
  /** Milliseconds since the epoch. */
  updatedAt: number;
  /** The administrator (or `config`, `cli`) that wrote it. */
  updatedBy?: string;
  /** The store's revision counter after this write. */
  revision: number;
}

export interface SettingsStore {
  /** The stored value for `key`; undefined when never set (the owner's default applies). */
  get<T = unknown>(key: string): Promise<StoredSetting<T> | undefined>;
  /** Stores (replacing) a JSON-serialisable value and returns what was stored. */
  set<T = unknown>(key: string, value: T, updatedBy?: string): Promise<StoredSetting<T>>;
  /** `false` when nothing was stored under `key`. */
  remove(key: string): Promise<boolean>;
  /** Every stored key, with its value. */
  list(): Promise<Record<string, StoredSetting>>;
}
