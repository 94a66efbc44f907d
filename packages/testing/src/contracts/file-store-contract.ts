// Contract suite for core's FileStore port. Every backend runs this same suite (memory, SQLite
// with bytes on disk, later Redis). It pins what the HTTP upload relies on: a file is invisible
// until all of its bytes are stored, a failed write leaves nothing and can be retried, a slot is
// completed once, and bytes stream in and out in chunks.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { FileStoreError, type FileStore, type NewFile } from '@deskchat/core';

export interface FileStoreFixture {
  store: FileStore;
  cleanup?: () => Promise<void>;
}

const HOUR = 3_600_000;
let counter = 0;

export function newFile(overrides: Partial<NewFile> = {}): NewFile {
  return { id: `${randomBytes(16).toString('base64url')}${++counter}`, owner: 'alice', name: 'report.pdf', size: 10, type: 'application/pdf', createdAt: 1_000_000, expiresAt: 1_000_000 + HOUR, ...overrides };
}

/** Chunks of `data`, `size` bytes each, yielded asynchronously as a socket would. */
export async function* chunksOf(data: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) {
    await Promise.resolve();
    yield data.subarray(i, i + size);
  }
}

/** Yields `data`, then fails as a cut connection does. */
async function* cutAfter(data: Buffer): AsyncGenerator<Uint8Array> {
  yield data;
  throw new Error('connection reset');
}

export async function collect(bytes: AsyncIterable<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (!bytes) return undefined;
  const parts: Buffer[] = [];
  for await (const chunk of bytes) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function failure(promise: Promise<unknown>): Promise<FileStoreError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FileStoreError) return err;
    throw err;
  }
  throw new Error('expected a FileStoreError');
}

export function fileStoreContract(name: string, makeStore: () => Promise<FileStoreFixture>): void {
  describe(`FileStore contract: ${name}`, () => {
    let store: FileStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('records a pending slot that serves no bytes, and refuses a second slot with the same id', async () => {
      const file = newFile();
      await expect(store.createSlot(file)).resolves.toEqual({ ...file, state: 'pending', recipients: [], declinedBy: [] });
      await expect(store.get(file.id)).resolves.toMatchObject({ state: 'pending', name: 'report.pdf', size: 10 });
      await expect(store.read(file.id)).resolves.toBeUndefined();
      expect((await failure(store.createSlot({ ...file, name: 'other.txt' }))).code).toBe('exists');
      await expect(store.get('no-such-id')).resolves.toBeUndefined();
    });

    it('streams a multi-chunk file in, completes it with its hash and new expiry, and streams it back byte for byte', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      const file = newFile({ size: data.length });
      await store.createSlot(file);
      const done = await store.write(file.id, chunksOf(data), { expiresAt: file.createdAt + 72 * HOUR, now: file.createdAt + 5 });
      expect(done).toMatchObject({ state: 'complete', sha256: sha256(data), completedAt: file.createdAt + 5, expiresAt: file.createdAt + 72 * HOUR });
      await expect(store.get(file.id)).resolves.toEqual(done);
      const back = await collect(await store.read(file.id));
      expect(back?.length).toBe(data.length);
      expect(back!.equals(data)).toBe(true);
    });

    it('stores an empty file', async () => {
      const file = newFile({ size: 0 });
      await store.createSlot(file);
      await store.write(file.id, chunksOf(Buffer.alloc(0)), { expiresAt: file.expiresAt });
      expect((await collect(await store.read(file.id)))!.length).toBe(0);
    });

    it('keeps nothing from a cut upload: still pending, no bytes served, and a retry succeeds', async () => {
      const data = randomBytes(10);
      const file = newFile();
      await store.createSlot(file);
      await expect(store.write(file.id, cutAfter(data.subarray(0, 4)), { expiresAt: file.expiresAt })).rejects.toThrow('connection reset');
      await expect(store.get(file.id)).resolves.toMatchObject({ state: 'pending' });
      await expect(store.read(file.id)).resolves.toBeUndefined();
      await expect(store.write(file.id, chunksOf(data), { expiresAt: file.expiresAt })).resolves.toMatchObject({ state: 'complete' });
      expect((await collect(await store.read(file.id)))!.equals(data)).toBe(true);
    });

    it('refuses more or fewer bytes than declared with size-mismatch and keeps nothing', async () => {
      const file = newFile();
      await store.createSlot(file);
      expect((await failure(store.write(file.id, chunksOf(randomBytes(11)), { expiresAt: file.expiresAt }))).code).toBe('size-mismatch');
      expect((await failure(store.write(file.id, chunksOf(randomBytes(9)), { expiresAt: file.expiresAt }))).code).toBe('size-mismatch');
      await expect(store.get(file.id)).resolves.toMatchObject({ state: 'pending' });
      await expect(store.read(file.id)).resolves.toBeUndefined();
    });

    it('completes a slot once: a second write is refused with exists and the bytes stay the first ones', async () => {
      const first = randomBytes(10);
      const file = newFile();
      await store.createSlot(file);
      await store.write(file.id, chunksOf(first), { expiresAt: file.expiresAt });
      expect((await failure(store.write(file.id, chunksOf(randomBytes(10)), { expiresAt: file.expiresAt }))).code).toBe('exists');
      expect((await collect(await store.read(file.id)))!.equals(first)).toBe(true);
    });

    it('refuses a write while another write of the same file is in progress (busy), and one to no file (not-found)', async () => {
      const file = newFile();
      await store.createSlot(file);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = (async function* () {
        yield Buffer.alloc(5, 1);
        await gate;
        yield Buffer.alloc(5, 2);
      })();
      const first = store.write(file.id, slow, { expiresAt: file.expiresAt });
      await new Promise((r) => setImmediate(r));
      expect((await failure(store.write(file.id, chunksOf(randomBytes(10)), { expiresAt: file.expiresAt }))).code).toBe('busy');
      release();
      await expect(first).resolves.toMatchObject({ state: 'complete' });
      expect((await failure(store.write('no-such-id', chunksOf(randomBytes(1)), { expiresAt: 0 }))).code).toBe('not-found');
    });

    it('records recipients and declines once each, and answers undefined for no file', async () => {
      const file = newFile();
      await store.createSlot(file);
      await store.addRecipient(file.id, 'bob@localhost');
      await store.addRecipient(file.id, 'bob@localhost');
      await store.addRecipient(file.id, 'carol@localhost');
      await store.decline(file.id, 'bob@localhost');
      const after = await store.decline(file.id, 'bob@localhost');
      expect(after).toMatchObject({ recipients: ['bob@localhost', 'carol@localhost'], declinedBy: ['bob@localhost'] });
      await expect(store.get(file.id)).resolves.toEqual(after);
      await expect(store.addRecipient('no-such-id', 'bob@localhost')).resolves.toBeUndefined();
      await expect(store.decline('no-such-id', 'bob@localhost')).resolves.toBeUndefined();
    });

    it('removes a file with its bytes, reporting whether it was there', async () => {
      const file = newFile();
      await store.createSlot(file);
      await store.write(file.id, chunksOf(randomBytes(10)), { expiresAt: file.expiresAt });
      await expect(store.remove(file.id)).resolves.toBe(true);
      await expect(store.remove(file.id)).resolves.toBe(false);
      await expect(store.get(file.id)).resolves.toBeUndefined();
      await expect(store.read(file.id)).resolves.toBeUndefined();
    });

    it('lists expired files (pending or complete) soonest first, up to a limit', async () => {
      const a = newFile({ expiresAt: 300 });
      const b = newFile({ expiresAt: 100 });
      const c = newFile({ expiresAt: 200, size: 1 });
      const later = newFile({ expiresAt: 10_000 });
      for (const f of [a, b, c, later]) await store.createSlot(f);
      await store.write(c.id, chunksOf(Buffer.from('x')), { expiresAt: 200 });
      await expect(store.expired(300, 10)).resolves.toEqual([b.id, c.id, a.id]);
      await expect(store.expired(300, 2)).resolves.toEqual([b.id, c.id]);
      await expect(store.expired(99, 10)).resolves.toEqual([]);
    });

    it("counts an owner's files since a moment and the bytes they hold, pending slots included", async () => {
      await store.createSlot(newFile({ owner: 'alice', size: 100, createdAt: 1000 }));
      await store.createSlot(newFile({ owner: 'alice', size: 50, createdAt: 5000 }));
      await store.createSlot(newFile({ owner: 'bob', size: 7, createdAt: 5000 }));
      await expect(store.usage('alice', 2000)).resolves.toEqual({ filesSince: 1, bytesStored: 150 });
      await expect(store.usage('alice', 0)).resolves.toEqual({ filesSince: 2, bytesStored: 150 });
      await expect(store.usage('carol', 0)).resolves.toEqual({ filesSince: 0, bytesStored: 0 });
    });

    it("removes every file of an owner and nobody else's", async () => {
      const mine = newFile({ owner: 'alice', size: 1 });
      const theirs = newFile({ owner: 'bob' });
      await store.createSlot(mine);
      await store.createSlot(newFile({ owner: 'alice' }));
      await store.createSlot(theirs);
      await store.write(mine.id, chunksOf(Buffer.from('x')), { expiresAt: mine.expiresAt });
      await expect(store.removeOwner('alice')).resolves.toBe(2);
      await expect(store.read(mine.id)).resolves.toBeUndefined();
      await expect(store.get(theirs.id)).resolves.toBeDefined();
    });

    it('does not let a caller change what is stored by mutating a record it got', async () => {
      const file = newFile();
      const created = await store.createSlot(file);
      created.recipients.push('mallory@localhost');
      created.name = 'changed';
      await expect(store.get(file.id)).resolves.toMatchObject({ name: 'report.pdf', recipients: [] });
    });
  });
}
