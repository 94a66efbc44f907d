// SqliteFileStore: the FileStore contract, then what only the disk store has to show — nothing at a
// servable path before the upload is complete, no temporary file left by a failed one, and crash
// leftovers removed at the next start.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { chunksOf, collect, fileStoreContract, newFile } from '@deskchat/testing';
import { openSqliteStores, type SqliteStores } from './index.js';
import { freshStores } from './__tests__/fixture.js';

fileStoreContract('sqlite + disk', freshStores((stores) => stores.files));

const dirs: string[] = [];
const opened: SqliteStores[] = [];
function openFresh(dir = mkdtempSync(join(tmpdir(), 'deskchat-files-'))): { stores: SqliteStores; dir: string } {
  dirs.push(dir);
  const stores = openSqliteStores(dir);
  opened.push(stores);
  return { stores, dir };
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SqliteFileStore on disk', () => {
  it('keeps the bytes in a temporary file until the last one arrived, then renames them to files/<id>', async () => {
    const { stores, dir } = openFresh();
    const file = newFile({ size: 8 });
    await stores.files.createSlot(file);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const source = (async function* () {
      yield Buffer.from('half');
      await gate;
      yield Buffer.from('done');
    })();
    const writing = stores.files.write(file.id, source, { expiresAt: file.expiresAt });
    // The first half is on disk (in .incoming) while the second is held back by the gate.
    for (const started = Date.now(); readdirSync(join(dir, 'files', '.incoming')).length === 0; ) {
      if (Date.now() - started > 5000) throw new Error('the write never started');
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(existsSync(join(dir, 'files', file.id))).toBe(false);
    expect(readdirSync(join(dir, 'files', '.incoming'))).toHaveLength(1);
    release();
    await writing;
    expect(readdirSync(join(dir, 'files', '.incoming'))).toEqual([]);
    expect((await collect(await stores.files.read(file.id)))!.toString()).toBe('halfdone');
  });

  it('leaves no temporary file after a failed write', async () => {
    const { stores, dir } = openFresh();
    const file = newFile({ size: 8 });
    await stores.files.createSlot(file);
    await expect(stores.files.write(file.id, chunksOf(Buffer.from('too long for it')), { expiresAt: file.expiresAt })).rejects.toThrow('declared');
    expect(readdirSync(join(dir, 'files', '.incoming'))).toEqual([]);
    expect(readdirSync(join(dir, 'files')).filter((n) => n !== '.incoming')).toEqual([]);
  });

  it('removes crash leftovers when the server recovers it: temporary files, files with no complete row, rows with no file', async () => {
    const { stores, dir } = openFresh();
    const kept = newFile({ size: 1 });
    const lost = newFile({ size: 1 });
    for (const f of [kept, lost]) {
      await stores.files.createSlot(f);
      await stores.files.write(f.id, chunksOf(Buffer.from('x')), { expiresAt: f.expiresAt });
    }
    stores.close();
    opened.splice(0);
    rmSync(join(dir, 'files', lost.id));
    writeFileSync(join(dir, 'files', '.incoming', 'partial.abc'), 'partial');
    writeFileSync(join(dir, 'files', 'AAAAAAAAAAAAAAAAAAAAAAorphan'), 'orphan');
    const reopened = openFresh(dir).stores;
    dirs.pop();
    // Opening (as the CLI does while the server runs) leaves everything alone …
    expect(readdirSync(join(dir, 'files', '.incoming'))).toEqual(['partial.abc']);
    reopened.files.recover();
    // … the server's recovery at start cleans up.
    expect(readdirSync(join(dir, 'files', '.incoming'))).toEqual([]);
    expect(readdirSync(join(dir, 'files')).filter((n) => n !== '.incoming')).toEqual([kept.id]);
    await expect(reopened.files.get(lost.id)).resolves.toBeUndefined();
    expect((await collect(await reopened.files.read(kept.id)))!.toString()).toBe('x');
  });
});
