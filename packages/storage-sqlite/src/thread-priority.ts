// Background threads yield the CPU to the node's event loop when both want it (Linux: a thread
// has its own nice value, https://man7.org/linux/man-pages/man7/sched.7.html). On two cores shared
// with the network stack, a writer thread that competes as an equal shows up as tail latency of
// every stanza; it has a backlog bound instead (SqliteArchiveStore).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Lowers the calling thread's priority by `nice` (Linux); elsewhere, or when refused, nothing. */
export function lowerThreadPriority(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid)) setPriority(tid, nice);
  } catch {
    // not Linux, or not allowed: the thread keeps the process's priority
  }
}
