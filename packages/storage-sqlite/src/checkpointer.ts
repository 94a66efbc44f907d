// WAL checkpoints off the event loop (https://sqlite.org/wal.html#ckpt). By default SQLite copies
// the WAL back into the database inside whichever commit takes the WAL past 1,000 pages, and fsyncs
// both files there: with better-sqlite3, synchronously on the node's event loop. Measured on a
// message archive append (two per chat message): 163 µs with automatic checkpoints, 58 µs without.
// So the node's connection turns them off and a worker thread, on a connection of its own, runs a
// PASSIVE checkpoint every `intervalMs` (PASSIVE never blocks the writer or readers). If the worker
// fails, the connection goes back to automatic checkpoints: the WAL never grows without bound.
// PASSIVE alone is not enough under a writer that never pauses (the archive writer at full load):
// the WAL starts over only when a write begins after a checkpoint has copied all of it, and with
// commits a millisecond apart that never happens. The WAL grew to 600 MB in a 10 s benchmark and
// each checkpoint took longer. So once it holds `restartFrames`, the worker runs a RESTART one. That
// one needs the write lock, which a writer committing back to back never leaves free long enough
// for SQLite's busy handler to catch; so it raises `restartGate` first, and the archive writer
// (background-writer-worker.ts) waits before its next transaction while the gate is up: a few
// milliseconds, to copy what the PASSIVE checkpoint left.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

/** The worker, as CommonJS source: no file to locate beside the compiled module (tests run the sources). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')');
// Yields the CPU to the node's event loop (as thread-priority.ts does for the archive writer).
try { require('node:os').setPriority(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()), 10); } catch {}
const gate = workerData.restartGate;
const timer = setInterval(() => {
  const [passive] = checkpoint('PASSIVE');
  if (passive.log < workerData.restartFrames) return;
  Atomics.store(gate, 0, 1);
  try { checkpoint('RESTART'); } finally {
    Atomics.store(gate, 0, 0);
    Atomics.notify(gate, 0);
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  try { db.close(); } finally {
    // The node's thread waits for this before it closes its own connection (see close()).
    Atomics.store(workerData.closed, 0, 1);
    Atomics.notify(workerData.closed, 0);
    parentPort.close();
  }
});
`;

const AUTOMATIC_PAGES = 1000;

export interface Checkpointer {
  /**
   * Ends the worker and waits (at most 5 s) until its connection is closed, so that the node's own
   * close, the last one, checkpoints the WAL and removes it, and nothing touches the files after.
   */
  close(): void;
}

const CLOSE_WAIT_MS = 5000;

export interface CheckpointerOptions {
  intervalMs?: number;
  /** WAL frames (pages) past which the WAL is made to start over (4,096: 16 MB of 4 KB pages). */
  restartFrames?: number;
  /** Told when the connection goes back to automatic checkpoints (for the other writers). */
  onFallBack?: (pages: number) => void;
  /** Raised (1) while a RESTART checkpoint waits for the write lock; writers that share it wait. */
  restartGate?: Int32Array;
}

/** A gate for startCheckpointer and the writers that let its RESTART checkpoints through. */
export function restartGate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** Before a transaction: waits while a RESTART checkpoint is pending (at most `maxMs`). */
export function waitForRestart(gate: Int32Array, maxMs = 1000): void {
  for (let waited = 0; Atomics.load(gate, 0) === 1 && waited < maxMs; waited += 50) Atomics.wait(gate, 0, 1, 50);
}

export function startCheckpointer(db: Database, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs = 250, restartFrames = 4096, onFallBack = () => {}, restartGate: gate = restartGate() } = options;
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file: db.name, intervalMs, restartFrames, restartGate: gate, closed },
  });
  worker.unref();
  let isClosed = false;
  const fallBack = () => {
    if (isClosed || !db.open) return;
    db.pragma(`wal_autocheckpoint = ${AUTOMATIC_PAGES}`);
    onFallBack(AUTOMATIC_PAGES);
  };
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  db.pragma('wal_autocheckpoint = 0');
  return {
    close() {
      if (isClosed) return;
      isClosed = true;
      worker.postMessage('close');
      // Synchronous like Database#close: a caller may remove the files right after (tests do).
      if (Atomics.wait(closed, 0, 0, CLOSE_WAIT_MS) === 'timed-out') void worker.terminate();
    },
  };
}
