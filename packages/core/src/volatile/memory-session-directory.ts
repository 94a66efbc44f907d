// In-memory reference implementation of SessionDirectory: one node, or several Cores sharing it
// in one process (the harness's cluster mode). Same contract as Redis. Entries are copied in and
// out, as a real store would, so that no caller holds a live reference to directory state.
import type { DirectoryEntry, EntryFlags, RegisterResult, RegisterRules, SessionDirectory } from './session-directory.js';

export class MemorySessionDirectory implements SessionDirectory {
  private readonly byUser = new Map<string, Map<string, DirectoryEntry>>();

  async register(entry: DirectoryEntry, rules: RegisterRules): Promise<RegisterResult> {
    const resources = this.byUser.get(entry.username) ?? new Map<string, DirectoryEntry>();
    const holder = resources.get(entry.resource);
    if (holder && rules.onConflict === 'refuse') return { status: 'conflict', holder: { ...holder } };
    const others = resources.size - (holder ? 1 : 0);
    if (others >= rules.maxPerUser) return { status: 'limit' };
    resources.set(entry.resource, { ...entry });
    this.byUser.set(entry.username, resources);
    return holder ? { status: 'registered', replaced: { ...holder } } : { status: 'registered' };
  }

  async update(username: string, resource: string, sessionId: string, flags: EntryFlags): Promise<boolean> {
    const entry = this.byUser.get(username)?.get(resource);
    if (!entry || entry.sessionId !== sessionId) return false;
    Object.assign(entry, flags);
    return true;
  }

  async unregister(username: string, resource: string, sessionId: string, node?: string): Promise<boolean> {
    const resources = this.byUser.get(username);
    const entry = resources?.get(resource);
    if (!resources || entry?.sessionId !== sessionId || (node !== undefined && entry.node !== node)) return false;
    resources.delete(resource);
    if (resources.size === 0) this.byUser.delete(username);
    return true;
  }

  async move(username: string, resource: string, sessionId: string, node: string): Promise<boolean> {
    const entry = this.byUser.get(username)?.get(resource);
    if (!entry || entry.sessionId !== sessionId) return false;
    entry.node = node;
    return true;
  }

  async get(username: string, resource: string): Promise<DirectoryEntry | undefined> {
    const entry = this.byUser.get(username)?.get(resource);
    return entry && { ...entry };
  }

  async resourcesOf(username: string): Promise<DirectoryEntry[]> {
    const resources = this.byUser.get(username);
    return resources ? [...resources.values()].map((e) => ({ ...e })) : [];
  }

  async entriesOfNode(node: string): Promise<DirectoryEntry[]> {
    const out: DirectoryEntry[] = [];
    for (const resources of this.byUser.values()) for (const e of resources.values()) if (e.node === node) out.push({ ...e });
    return out;
  }
}
