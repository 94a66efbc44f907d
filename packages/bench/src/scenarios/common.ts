// Worker-side steps shared by the scenarios: signing users in (all at once with a concurrency
// bound, or paced at a rate), closing them, and waiting for a condition with a deadline.
import { connect } from '../clients.js';
import { pace } from '../pacer.js';
import { endpointOfUser } from '../placement.js';
import { epochNow, type Recorder } from '../phase-report.js';
import { presence } from '../stanzas.js';
import type { WorkerContext } from '../scenario.js';
import type { TransportName, XmppConnection } from '../xmpp-connection.js';

/** Sends a progress line to the coordinator (printed with --verbose). */
export function progress(text: string): void {
  process.send?.({ type: 'progress', text });
}

export interface SignInOptions {
  transport: TransportName;
  /** Called right after bind, before initial presence, to install handlers and send setup stanzas. */
  onConnected?(connection: XmppConnection, local: number): void;
  /** Send initial presence (RFC 6121 §4.2) after bind. */
  sendPresence?: boolean;
  /** Only this worker's users from `from` (inclusive) to `to` (exclusive), by local index. */
  from?: number;
  to?: number;
}

/** Signs in one user; records `name` latency from `dueAt`; stores the connection. */
async function signIn(context: WorkerContext, local: number, options: SignInOptions, recorder: Recorder, name: string, dueAt: number): Promise<void> {
  try {
    const index = context.init.first + local;
    const connection = await connect(options.transport, endpointOfUser(context.init, index), context.init.account, index, { wait: context.init.boshWait });
    context.connections[local] = connection;
    connection.onClose = (reason) => {
      context.recorder.count('dropped');
      context.recorder.error(`dropped: ${reason}`);
    };
    options.onConnected?.(connection, local);
    if (options.sendPresence !== false) connection.send(presence());
    const doneAt = epochNow();
    recorder.histogram(name).recordMs(doneAt - dueAt);
    recorder.mark(name, doneAt);
    recorder.count(`${name}-ok`);
  } catch (err) {
    recorder.count(`${name}-failed`);
    recorder.error(`${name}: ${(err as Error).message}`);
  }
}

/** Signs in every user of this worker, `concurrency` at a time. */
export async function signInAll(context: WorkerContext, options: SignInOptions, recorder: Recorder, concurrency = 100): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < context.init.count) {
      const local = next++;
      await signIn(context, local, options, recorder, 'connect', epochNow());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, context.init.count) }, runner));
}

/** Starts sign-ins at `rate` per second (open loop: each is timed from when it was due). */
export async function signInAtRate(context: WorkerContext, rate: number, options: SignInOptions, recorder: Recorder, name = 'login'): Promise<void> {
  const running: Promise<void>[] = [];
  const from = options.from ?? 0;
  const count = (options.to ?? context.init.count) - from;
  await pace({
    ratePerSecond: rate,
    durationMs: (count / rate) * 1000 + 1000,
    maxCount: count,
    onDue: (k, dueAt) => {
      recorder.mark(name, dueAt);
      running.push(signIn(context, from + k, options, recorder, name, dueAt));
    },
  });
  await Promise.all(running);
}

/** Closes every connection (unavailable presence, stream close or BOSH terminate). */
export async function closeAll(context: WorkerContext, recorder: Recorder, concurrency = 200): Promise<void> {
  const open = context.connections.map((c, i) => [c, i] as const).filter(([c]) => c !== undefined);
  let next = 0;
  const runner = async () => {
    while (next < open.length) {
      const [connection, local] = open[next++];
      connection!.onClose = () => {};
      await connection!.close().catch((err: Error) => recorder.error(`close: ${err.message}`));
      context.connections[local] = undefined;
      recorder.count('closed');
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, open.length) }, runner));
}

/** Resolves true when `condition` holds, or false after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}

/** Resolves when no `counter()` change happened for quietMs, or after maxMs. */
export async function waitQuiet(counter: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  let last = counter();
  let lastChange = performance.now();
  while (performance.now() < deadline && performance.now() - lastChange < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = counter();
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    }
  }
}

export function openConnections(context: WorkerContext): XmppConnection[] {
  return context.connections.filter((c): c is XmppConnection => c !== undefined && c.isOpen);
}
