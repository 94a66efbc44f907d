// The node's background writer: a worker thread (background-writer-worker.ts) with a connection of
// its own to the node's database, for the message archive's appends, expiry and removal. Two
// appends per chat message were 42 % of a node's time at 4,000 msg/s; their callers still wait for
// the commit, but the event loop does not. The checkpointer (checkpointer.ts) is a thread apart:
// a checkpoint takes tens of milliseconds, and appends must not queue behind it.
// If the thread cannot start (or dies), the node's connection writes again, on the event loop.
// Nothing is lost or left waiting: requests the thread never received run there, requests it may
// have run fail as a store outage would.
import type { Database } from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { StoreUnavailableError } from '@deskchat/core';
import { encodeAppends, localArchiveWriter, type AppendFailures, type AppendRequest, type ArchiveWriter, type EncodedAppends } from './archive-writes.js';

export interface BackgroundWriter {
  readonly archive: ArchiveWriter;
  /** Whether the thread is doing the work (false before it is ready and after a fallback). */
  readonly onThread: boolean;
  /** Resolves once the thread is ready (true) or the writer has fallen back (false). */
  readonly started: Promise<boolean>;
  /** Lets the thread's commits checkpoint again (the checkpointer thread has failed). */
  checkpointAutomatically(pages: number): void;
  /**
   * Ends the thread after the requests sent to it and waits (at most 5 s) until its connection is
   * closed, so that the node's own close, the last one, checkpoints the WAL and removes it, and
   * nothing touches the files after. Synchronous like Database#close: a caller may remove the files
   * right after (tests do).
   */
  close(): void;
}

export interface BackgroundWriterOptions {
  /** The checkpointer's gate (checkpointer.ts): the thread waits before a transaction while it is up. */
  restartGate?: Int32Array;
  /** The thread's module (tests start a broken one to see the fallback). */
  workerUrl?: URL;
  /**
   * The least time between the starts of two append transactions: at load, the appends of this
   * gap share one commit. A quiet node's append commits at once; at most this much later otherwise.
   */
  commitGapMs?: number;
}

/** At 14,000 chat messages a second, commits of about 560 appends. */
export const COMMIT_GAP_MS = 20;

/** What the thread is started with. */
export interface WriterData {
  file: string;
  busyTimeoutMs: number;
  /** As the node's connection has it when the thread starts (0: the checkpointer thread runs). */
  autocheckpointPages: number;
  /** Raised (set to 1) by the thread once its connection is closed. */
  closed: Int32Array;
  restartGate: Int32Array | undefined;
  /** The least time between the starts of two append transactions (the worker's runQueue). */
  commitGapMs: number;
}

type ArchiveRequest =
  | { op: 'append'; batch: AppendRequest[] }
  | { op: 'expire'; archive: string; before: number }
  | { op: 'remove'; archive: string };
/** As posted: a batch of appends is encoded (encodeAppends). */
type PostedRequest = Exclude<ArchiveRequest, { op: 'append' }> | { op: 'append'; appends: EncodedAppends };
export type WriterRequest = (PostedRequest & { n: number }) | { op: 'autocheckpoint'; pages: number } | { op: 'close' };
export type WriterReply = { n: number; value: unknown } | { n: number; error: string } | { ready: true };

const CLOSE_WAIT_MS = 5000;
/** Beside the compiled module; the sources under test start the compiled thread too. */
const WORKER_URL = new URL('../dist/background-writer-worker.js', import.meta.url);

interface Waiting {
  /** Kept only while the thread may never have received it (it then runs here): not the messages of every batch in flight. */
  request: ArchiveRequest | undefined;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export function startBackgroundWriter(db: Database, options: BackgroundWriterOptions = {}): BackgroundWriter {
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const data: WriterData = {
    file: db.name,
    busyTimeoutMs: Number(db.pragma('busy_timeout', { simple: true })),
    autocheckpointPages: Number(db.pragma('wal_autocheckpoint', { simple: true })),
    closed,
    restartGate: options.restartGate,
    commitGapMs: options.commitGapMs ?? COMMIT_GAP_MS,
  };
  const worker = new Worker(options.workerUrl ?? WORKER_URL, { workerData: data });
  worker.unref();

  let state: 'starting' | 'ready' | 'fallen-back' | 'closed' = 'starting';
  let local: ArchiveWriter | undefined;
  const waiting = new Map<number, Waiting>();
  let next = 1;
  let announce: (onThread: boolean) => void = () => {};
  const started = new Promise<boolean>((resolve) => (announce = resolve));

  const runLocally = (request: ArchiveRequest): Promise<unknown> => {
    local ??= localArchiveWriter(db);
    switch (request.op) {
      case 'append':
        return local.appendAll(request.batch);
      case 'expire':
        return local.expire(request.archive, request.before);
      case 'remove':
        return local.remove(request.archive);
    }
  };

  const fallBack = (cause: unknown) => {
    if (state === 'closed' || state === 'fallen-back') return;
    const neverReceived = state === 'starting';
    state = 'fallen-back';
    for (const [n, w] of waiting) {
      waiting.delete(n);
      if (neverReceived && db.open && w.request) runLocally(w.request).then(w.resolve, w.reject);
      else w.reject(new StoreUnavailableError('sqlite', 'the background writer stopped', { cause }));
    }
    announce(false);
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => {
    if (state === 'closed') {
      for (const w of waiting.values()) w.reject(new StoreUnavailableError('sqlite', 'the store is closed'));
      waiting.clear();
      return;
    }
    fallBack(new Error(`the background writer exited with code ${code}`));
  });
  worker.on('message', (reply: WriterReply) => {
    if ('ready' in reply) {
      if (state === 'starting') state = 'ready';
      announce(true);
      return;
    }
    const w = waiting.get(reply.n);
    if (!w) return;
    waiting.delete(reply.n);
    if ('error' in reply) w.reject(new Error(reply.error));
    else w.resolve(reply.value);
  });

  const call = (request: ArchiveRequest): Promise<unknown> => {
    if (state === 'fallen-back') return runLocally(request);
    if (state === 'closed') return Promise.reject(new StoreUnavailableError('sqlite', 'the store is closed'));
    return new Promise((resolve, reject) => {
      const n = next++;
      waiting.set(n, { request: state === 'starting' ? request : undefined, resolve, reject });
      const posted: PostedRequest = request.op === 'append' ? { op: 'append', appends: encodeAppends(request.batch) } : request;
      worker.postMessage({ ...posted, n } satisfies WriterRequest);
    });
  };

  return {
    archive: {
      appendAll: (batch) => call({ op: 'append', batch }) as Promise<AppendFailures>,
      expire: (archive, before) => call({ op: 'expire', archive, before }) as Promise<number>,
      remove: async (archive) => void (await call({ op: 'remove', archive })),
    },
    get onThread() {
      return state === 'ready';
    },
    started,
    checkpointAutomatically(pages) {
      if (state === 'starting' || state === 'ready') worker.postMessage({ op: 'autocheckpoint', pages } satisfies WriterRequest);
    },
    close() {
      if (state === 'closed') return;
      const wasRunning = state !== 'fallen-back';
      state = 'closed';
      if (!wasRunning) return;
      worker.postMessage({ op: 'close' } satisfies WriterRequest);
      if (Atomics.wait(closed, 0, 0, CLOSE_WAIT_MS) === 'timed-out') void worker.terminate();
    },
  };
}
