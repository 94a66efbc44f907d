// The node's background writer thread (started by background-writer.ts, loaded from `dist/`): on
// a connection of its own it runs the archive's writes, off the node's event loop. Requests are
// answered in the order they came; `close` is answered by closing the connection and raising the
// shared flag the node's thread waits on.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { decodeAppends, prepareArchiveWrites, type AppendFailures } from './archive-writes.js';
import { lowerThreadPriority } from './thread-priority.js';
import { waitForRestart } from './checkpointer.js';
import type { WriterData, WriterReply, WriterRequest } from './background-writer.js';

lowerThreadPriority(5);
const data = workerData as WriterData;
const port = parentPort!;
const db = new BetterSqlite3(data.file);
db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
// The checkpointer thread copies the WAL back (checkpointer.ts); until it fails, no commit of
// this connection does it either.
db.pragma(`wal_autocheckpoint = ${data.autocheckpointPages}`);
const archive = prepareArchiveWrites(db);

type AppendCall = Extract<WriterRequest, { op: 'append' }>;
type OtherCall = Extract<WriterRequest, { op: 'expire' | 'remove' }>;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function answer(request: OtherCall): WriterReply {
  try {
    switch (request.op) {
      case 'expire':
        return { n: request.n, value: archive.expire(request.archive, request.before) };
      case 'remove':
        archive.remove(request.archive);
        return { n: request.n, value: undefined };
    }
  } catch (err) {
    return { n: request.n, error: errorText(err) };
  }
}

/**
 * Appends that queued while the last transaction ran are written in one: a commit writes each
 * page it changed once, however many appends changed it, so the busier the node, the less each
 * append costs.
 */
function appendTogether(requests: AppendCall[]): void {
  const batches = requests.map((r) => decodeAppends(r.appends));
  let failures: AppendFailures;
  try {
    failures = archive.appendAll(batches.flat());
  } catch (err) {
    // appendAll fails appends one by one; this is the connection itself failing.
    for (const r of requests) port.postMessage({ n: r.n, error: errorText(err) } satisfies WriterReply);
    return;
  }
  let from = 0;
  requests.forEach((r, k) => {
    const to = from + batches[k]!.length;
    const own: AppendFailures = failures.filter(([i]) => i >= from && i < to).map(([i, error]) => [i - from, error]);
    port.postMessage({ n: r.n, value: own } satisfies WriterReply);
    from = to;
  });
}

function close(): void {
  try {
    db.close();
  } finally {
    // The node's thread waits for this before it closes its own connection (see close()).
    Atomics.store(data.closed, 0, 1);
    Atomics.notify(data.closed, 0);
    port.close();
  }
}

/** Requests received and not yet run, in order. */
let queue: WriterRequest[] = [];
let waitingForGap: NodeJS.Timeout | undefined;
/** When the last append transaction began (performance.now()). */
let lastAppends = -Infinity;

/**
 * Appends begin a transaction at most every `commitGapMs`: at load the appends of the gap share
 * one commit, and a commit writes each page it changed once, however many appends changed it
 * (scripts/archive-write-cost.mjs: commits of 600 cost an append a third of commits of 50). A
 * quiet node's append still commits at once. Any other request runs at once, after the appends
 * before it.
 */
port.on('message', (request: WriterRequest) => {
  queue.push(request);
  if (request.op !== 'append') return runQueue();
  if (waitingForGap) return;
  const wait = lastAppends + data.commitGapMs - performance.now();
  if (wait <= 0) runQueue();
  else waitingForGap = setTimeout(runQueue, wait);
});

function runQueue(): void {
  clearTimeout(waitingForGap);
  waitingForGap = undefined;
  // Everything sent meanwhile, in order.
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) queue.push(next.message as WriterRequest);
  const requests = queue;
  queue = [];
  let appends: AppendCall[] = [];
  const writeAppends = () => {
    if (appends.length > 0) {
      lastAppends = performance.now();
      appendTogether(appends);
    }
    appends = [];
  };
  // The checkpointer is waiting to make the WAL start over: let it (a few milliseconds).
  if (data.restartGate) waitForRestart(data.restartGate);
  for (const request of requests) {
    if (request.op === 'append') {
      appends.push(request);
      continue;
    }
    writeAppends();
    if (request.op === 'close') return close();
    if (request.op === 'autocheckpoint') db.pragma(`wal_autocheckpoint = ${request.pages}`);
    else port.postMessage(answer(request));
  }
  writeAppends();
}
port.postMessage({ ready: true } satisfies WriterReply);
