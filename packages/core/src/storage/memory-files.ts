// In-memory reference implementation of FileStore (tests and the harness). Same contract as the
// SQLite-plus-disk store and, later, Redis. It holds bytes in memory, so it is not for production.
import { createHash } from 'node:crypto';
import { FileStoreError, type FileStore, type NewFile, type OwnerUsage, type StoredFile } from './files.js';

interface Entry {
  meta: StoredFile;
  chunks?: Buffer[];
}

const copy = (meta: StoredFile): StoredFile => ({ ...meta, recipients: [...meta.recipients], declinedBy: [...meta.declinedBy] });

export class MemoryFileStore implements FileStore {
  private readonly entries = new Map<string, Entry>();
  private readonly writing = new Set<string>();

  async createSlot(file: NewFile): Promise<StoredFile> {
    if (this.entries.has(file.id)) throw new FileStoreError('exists', `a file with id ${file.id} exists`);
    const meta: StoredFile = { ...file, state: 'pending', recipients: [], declinedBy: [] };
    this.entries.set(file.id, { meta });
    return copy(meta);
  }

  async get(id: string): Promise<StoredFile | undefined> {
    const entry = this.entries.get(id);
    return entry && copy(entry.meta);
  }

  async write(id: string, bytes: AsyncIterable<Uint8Array>, complete: { expiresAt: number; now?: number }): Promise<StoredFile> {
    const entry = this.entries.get(id);
    if (!entry) throw new FileStoreError('not-found', `no file ${id}`);
    if (entry.meta.state === 'complete') throw new FileStoreError('exists', `file ${id} is already complete`);
    if (this.writing.has(id)) throw new FileStoreError('busy', `file ${id} is being written`);
    this.writing.add(id);
    try {
      const chunks: Buffer[] = [];
      const hash = createHash('sha256');
      let total = 0;
      for await (const chunk of bytes) {
        total += chunk.length;
        if (total > entry.meta.size) throw new FileStoreError('size-mismatch', `more than the declared ${entry.meta.size} bytes`);
        const buffer = Buffer.from(chunk);
        chunks.push(buffer);
        hash.update(buffer);
      }
      if (total !== entry.meta.size) throw new FileStoreError('size-mismatch', `${total} bytes, declared ${entry.meta.size}`);
      // The file may have been removed (expired, declined) while its bytes were arriving.
      if (this.entries.get(id) !== entry) throw new FileStoreError('not-found', `file ${id} was removed during the upload`);
      entry.chunks = chunks;
      entry.meta = { ...entry.meta, state: 'complete', sha256: hash.digest('hex'), completedAt: complete.now ?? Date.now(), expiresAt: complete.expiresAt };
      return copy(entry.meta);
    } finally {
      this.writing.delete(id);
    }
  }

  async read(id: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const chunks = this.entries.get(id)?.chunks;
    if (!chunks) return undefined;
    return (async function* () {
      for (const chunk of chunks) yield chunk;
    })();
  }

  async addRecipient(id: string, jid: string): Promise<StoredFile | undefined> {
    return this.update(id, (meta) => (meta.recipients.includes(jid) ? meta : { ...meta, recipients: [...meta.recipients, jid] }));
  }

  async decline(id: string, jid: string): Promise<StoredFile | undefined> {
    return this.update(id, (meta) => (meta.declinedBy.includes(jid) ? meta : { ...meta, declinedBy: [...meta.declinedBy, jid] }));
  }

  async remove(id: string): Promise<boolean> {
    return this.entries.delete(id);
  }

  async expired(now: number, limit: number): Promise<string[]> {
    return [...this.entries.values()]
      .map((e) => e.meta)
      .filter((m) => m.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, limit)
      .map((m) => m.id);
  }

  async usage(owner: string, since: number): Promise<OwnerUsage> {
    let filesSince = 0;
    let bytesStored = 0;
    for (const { meta } of this.entries.values()) {
      if (meta.owner !== owner) continue;
      bytesStored += meta.size;
      if (meta.createdAt >= since) filesSince++;
    }
    return { filesSince, bytesStored };
  }

  async removeOwner(owner: string): Promise<number> {
    let removed = 0;
    for (const [id, { meta }] of this.entries) {
      if (meta.owner === owner && this.entries.delete(id)) removed++;
    }
    return removed;
  }

  private update(id: string, change: (meta: StoredFile) => StoredFile): StoredFile | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    entry.meta = change(entry.meta);
    return copy(entry.meta);
  }
}
