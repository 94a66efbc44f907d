// Starts child-node.mjs (a second node in its own process) and reads its JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child-node.mjs');

export interface ChildNode {
  readonly process: ChildProcess;
  /** Every event the child printed so far. */
  readonly events: Array<Record<string, unknown>>;
  /** Resolves with the first event (from the start) matching `test`, waiting up to `timeoutMs`. */
  next(test: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): void;
  resume(): void;
  kill(): Promise<void>;
}

export async function startChildNode(args: string[]): Promise<ChildNode> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
      buffer = buffer.slice(newline + 1);
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const node: ChildNode = {
    process: child,
    events,
    next(test, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(test);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`child node: no matching event within ${timeoutMs} ms; events ${JSON.stringify(events)}; stderr ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return node;
}
