// What the gadget keeps in the tab's sessionStorage so that a reload continues where the agent
// was (issue #12: "kept across a refresh within the same browser tab"): the chat history and
// windows, the contacts' last presence, and the state the agent chose. Nothing survives the tab
// (sessionStorage) and sign-out clears it. Writes are batched: `schedule()` coalesces bursts (a
// roster of 200 contacts coming online) and `flush()` runs on pagehide. DOM-free: the storage is
// injected (sessionStorage in the page, a Map in tests).
import type { ChatSnapshot } from './chats.js';
import type { ResourcePresence } from './presence.js';

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ChosenState {
  show: 'available' | 'away' | 'dnd';
  status?: string;
}

export interface TabSessionData {
  chats?: ChatSnapshot;
  presence?: Record<string, ResourcePresence[]>;
  chosen?: ChosenState;
}

const PREFIX = 'deskchat.tab.';

export class TabSession {
  private pending: (() => TabSessionData) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: KeyValueStorage,
    /** The user's bare JID: one user's history never shows to another signing in on the same tab. */
    private readonly user: string,
    private readonly delayMs = 200,
  ) {}

  private get key(): string {
    return PREFIX + this.user;
  }

  read(): TabSessionData {
    try {
      const value = this.storage.getItem(this.key);
      return value ? (JSON.parse(value) as TabSessionData) : {};
    } catch {
      return {};
    }
  }

  /** Saves `collect()` soon (once per burst of changes). */
  schedule(collect: () => TabSessionData): void {
    this.pending = collect;
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const collect = this.pending;
    this.pending = undefined;
    if (!collect) return;
    try {
      this.storage.setItem(this.key, JSON.stringify(collect()));
    } catch {
      // Quota exceeded: the history is a convenience; the chat goes on without it.
    }
  }

  /** Sign-out: the history is gone, as in the original. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.storage.removeItem(this.key);
  }
}
