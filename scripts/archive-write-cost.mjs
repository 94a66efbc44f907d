#!/usr/bin/env node
// What one XEP-0313 archive append costs SQLite, by table layout and commit size: the writer
// thread's time per append (group commits of --batch appends; at load the node's background
// writer makes commits of hundreds, one per commit gap) and the WAL checkpoint time it causes, on
// a fresh database. Not a test: a measurement, cited in docs/performance.md (one node's BOSH
// message rate is limited by the archive's writes).
//
//   node scripts/archive-write-cost.mjs [layout …] [--appends 100000] [--archives 200] [--batch 50]
//
// Layouts (the schema is the node's; the other changes it in the scratch database only):
//   current      the node's tables (schema 18: archive_messages a rowid table with a unique
//                (archive, seq) index and an index by (archive, peer's bare JID, seq))
//   nowith       current without the index by peer (what answering `with` filters costs)
// Schemas 16 and 17 wrote with code of their own: their figures are in docs/performance.md.
// Needs a build (npm run build): it runs packages/storage-sqlite/dist.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { openDatabase } = await import(path.join(root, 'packages/storage-sqlite/dist/open-database.js'));
const { prepareArchiveWrites } = await import(path.join(root, 'packages/storage-sqlite/dist/archive-writes.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args.splice(i, 2)[1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive integer`);
  return value;
};
const appends = option('--appends', 100_000);
const archives = option('--archives', 200);
const BATCH = option('--batch', 50);
const LAYOUTS = ['current', 'nowith'];
const layouts = args.length > 0 ? args : LAYOUTS;
for (const layout of layouts) if (!LAYOUTS.includes(layout)) throw new Error(`unknown layout ${layout} (${LAYOUTS.join(', ')})`);

const CHECKPOINT_EVERY = 5000; // appends; the node's checkpointer runs on a timer, on another thread
const stanza = `<message xmlns="jabber:client" type="chat" id="m-123456" to="u17@localhost" from="u16@localhost/bench"><body>${'x'.repeat(120)}</body><active xmlns="http://jabber.org/protocol/chatstates"/></message>`;
const limits = { maxMessages: 10_000, maxBytes: 20_000_000 };

function measure(layout) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskchat-archive-cost-'));
  try {
    const db = openDatabase(dir);
    db.pragma('wal_autocheckpoint = 0'); // as the node's connection, whose checkpoints run apart
    if (layout === 'nowith') db.exec('DROP INDEX archive_messages_by_with');
    const writes = prepareArchiveWrites(db);
    let seq = Date.now() * 1000;
    let writing = 0n;
    let checkpointing = 0n;
    for (let i = 0; i < appends; i += BATCH) {
      const batch = [];
      for (let j = 0; j < BATCH; j++) {
        const k = (i + j) % archives;
        const peer = `u${k ^ 1}@localhost`;
        seq++;
        batch.push({ archive: `u${k}`, message: { at: 0, with: [peer, `${peer}/bench`], stanza }, limits, seq, id: seq.toString(36) });
      }
      const t = process.hrtime.bigint();
      writes.appendAll(batch);
      const c = process.hrtime.bigint();
      writing += c - t;
      if ((i + BATCH) % CHECKPOINT_EVERY === 0) {
        db.pragma('wal_checkpoint(RESTART)');
        checkpointing += process.hrtime.bigint() - c;
      }
    }
    const size = fs.statSync(path.join(dir, 'deskchat.sqlite')).size;
    db.close();
    const us = (ns) => (Number(ns) / 1000 / appends).toFixed(1);
    console.log(`${layout.padEnd(13)} ${us(writing).padStart(6)} µs writing + ${us(checkpointing).padStart(6)} µs checkpointing per append, database ${(size / appends).toFixed(0)} bytes per append`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${appends} appends over ${archives} archives, commits of ${BATCH}`);
for (const layout of layouts) measure(layout);
