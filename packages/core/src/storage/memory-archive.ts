// In-memory reference implementation of ArchiveStore (XEP-0313). Same contract as SQLite and Redis.
import {
  archiveId,
  archiveNonce,
  archiveRange,
  archiveSeq,
  archiveTime,
  namedArchiveIds,
  nextArchiveSeq,
  arraySetReader,
  pageOf,
  type ArchiveLimits,
  type ArchivePage,
  type ArchivePrefs,
  type ArchiveQuery,
  type ArchiveStore,
  type NewArchivedMessage,
} from './archive.js';

interface Entry {
  seq: number;
  id: string;
  with: string[];
  stanza: string;
  bytes: number;
}

interface Archive {
  /** Oldest first. */
  entries: Entry[];
  last: number;
  bytes: number;
}

export class MemoryArchiveStore implements ArchiveStore {
  private readonly archives = new Map<string, Archive>();
  private readonly prefs = new Map<string, ArchivePrefs>();

  async append(archive: string, message: NewArchivedMessage, limits: ArchiveLimits): Promise<string> {
    let a = this.archives.get(archive);
    if (!a) this.archives.set(archive, (a = { entries: [], last: 0, bytes: 0 }));
    const seq = nextArchiveSeq(message.at, a.last);
    const bytes = Buffer.byteLength(message.stanza, 'utf8');
    const id = archiveId(seq) + archiveNonce();
    a.entries.push({ seq, id, with: [...new Set(message.with)], stanza: message.stanza, bytes });
    a.last = seq;
    a.bytes += bytes;
    if (limits.expireBefore !== undefined) this.drop(a, (e) => archiveTime(e.seq) < limits.expireBefore!);
    while (a.entries.length > 0 && (a.entries.length > limits.maxMessages || a.bytes > limits.maxBytes)) {
      a.bytes -= a.entries.shift()!.bytes;
    }
    return id;
  }

  async query(archive: string, query: ArchiveQuery): Promise<ArchivePage | undefined> {
    const range = archiveRange(query);
    if (!range) return undefined;
    const entries = this.archives.get(archive)?.entries ?? [];
    const ids = new Set(entries.map((e) => e.id));
    if (namedArchiveIds(query).some((id) => !ids.has(id))) return undefined;
    const wanted = query.ids && new Set(query.ids);
    const set = entries.filter((e) => (query.with === undefined || e.with.includes(query.with)) && (!wanted || wanted.has(e.id)));
    const page = await pageOf(arraySetReader(set.map((e) => e.id)), range, query);
    const byId = new Map(set.map((e) => [e.id, e]));
    return {
      messages: page.ids.map((id) => ({ id, at: archiveTime(archiveSeq(id)!), stanza: byId.get(id)!.stanza })),
      count: page.count,
      index: page.index,
      complete: page.complete,
    };
  }

  async expire(archive: string, before: number): Promise<number> {
    const a = this.archives.get(archive);
    return a ? this.drop(a, (e) => archiveTime(e.seq) < before) : 0;
  }

  async usage(archive: string): Promise<{ messages: number; bytes: number }> {
    const a = this.archives.get(archive);
    return { messages: a?.entries.length ?? 0, bytes: a?.bytes ?? 0 };
  }

  async getPrefs(username: string): Promise<ArchivePrefs | undefined> {
    const p = this.prefs.get(username);
    return p && { default: p.default, always: [...p.always], never: [...p.never] };
  }

  async setPrefs(username: string, prefs: ArchivePrefs): Promise<void> {
    this.prefs.set(username, { default: prefs.default, always: [...prefs.always], never: [...prefs.never] });
  }

  async removeArchive(archive: string): Promise<void> {
    this.archives.delete(archive);
  }

  async removeUser(username: string): Promise<void> {
    this.archives.delete(username);
    this.prefs.delete(username);
  }

  /** Drops the oldest entries while `old` holds (entries are in time order). */
  private drop(a: Archive, old: (e: Entry) => boolean): number {
    let n = 0;
    while (a.entries.length > 0 && old(a.entries[0]!)) {
      a.bytes -= a.entries.shift()!.bytes;
      n++;
    }
    return n;
  }
}
