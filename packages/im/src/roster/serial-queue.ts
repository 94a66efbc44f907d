// Runs tasks one at a time, in call order. Roster and subscription changes read a state, compute
// the next one (RFC 6121 Appendix A) and write it back; two such changes must not interleave.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it; a failing task does not stop the queue. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
