// In-memory reference implementation of SettingsStore. Same contract as SQLite and Redis.
// Values are copied through JSON on the way in and out, as a real store would, so that a caller
// mutating what it passed or got cannot change what is stored.
import type { SettingsStore, StoredSetting } from './settings.js';

export class MemorySettingsStore implements SettingsStore {
  private readonly items = new Map<string, string>();
  private revision = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async get<T = unknown>(key: string): Promise<StoredSetting<T> | undefined> {
    const text = this.items.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as StoredSetting<T>);
  }

  async set<T = unknown>(key: string, value: T, updatedBy?: string): Promise<StoredSetting<T>> {
    const stored: StoredSetting<T> = { value, updatedAt: this.now(), revision: ++this.revision, ...(updatedBy === undefined ? {} : { updatedBy }) };
    const text = JSON.stringify(stored);
    this.items.set(key, text);
    return JSON.parse(text) as StoredSetting<T>;
  }

  async remove(key: string): Promise<boolean> {
    return this.items.delete(key);
  }

  async list(): Promise<Record<string, StoredSetting>> {
    const out: Record<string, StoredSetting> = {};
    for (const [key, text] of this.items) out[key] = JSON.parse(text) as StoredSetting;
    return out;
  }
}
