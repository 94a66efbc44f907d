// In-memory reference implementation of SessionDirectory: one node, or several Cores sharing it
// in one process (the harness's cluster mode). Same contract as Redis. Entries are copied in and
// out, as a real store would, so that no caller holds a live reference to directory state.
import { ResourceTable } from '../resource-table.js';
import type { DirectoryEntry, EntryFlags, RegisterResult, RegisterRules, SessionDirectory } from './session-directory.js';

export class MemorySessionDirectory implements SessionDirectory {
  private readonly byUser = new ResourceTable<DirectoryEntry>((entry) => entry.resource);

  async register(entry: DirectoryEntry, rules: RegisterRules): Promise<RegisterResult> {
    const holder = this.byUser.get(entry.username, entry.resource);
    if (holder && rules.onConflict === 'refuse') return { status: 'conflict', holder: { ...holder } };
    const others = this.byUser.countOf(entry.username) - (holder ? 1 : 0);
    if (others >= rules.maxPerUser) return { status: 'limit' };
    this.byUser.set(entry.username, { ...entry });
    return holder ? { status: 'registered', replaced: { ...holder } } : { status: 'registered' };
  }

  async update(username: string, resource: string, sessionId: string, flags: EntryFlags): Promise<boolean> {
    const entry = this.byUser.get(username, resource);
    if (!entry || entry.sessionId !== sessionId) return false;
    Object.assign(entry, flags);
    return true;
  }

  async unregister(username: string, resource: string, sessionId: string, node?: string): Promise<boolean> {
    const entry = this.byUser.get(username, resource);
    if (entry?.sessionId !== sessionId || (node !== undefined && entry.node !== node)) return false;
    this.byUser.delete(username, resource);
    return true;
  }

  async move(username: string, resource: string, sessionId: string, node: string): Promise<boolean> {
    const entry = this.byUser.get(username, resource);
    if (!entry || entry.sessionId !== sessionId) return false;
    entry.node = node;
    return true;
  }

  async get(username: string, resource: string): Promise<DirectoryEntry | undefined> {
    const entry = this.byUser.get(username, resource);
    return entry && { ...entry };
  }

  async resourcesOf(username: string): Promise<DirectoryEntry[]> {
    return this.byUser.valuesOf(username).map((e) => ({ ...e }));
  }

  async entriesOfNode(node: string): Promise<DirectoryEntry[]> {
    const out: DirectoryEntry[] = [];
    for (const e of this.byUser.values()) if (e.node === node) out.push({ ...e });
    return out;
  }
}
