// In-memory LockService: one FIFO promise chain per lock name, dropped when idle so that memory
// follows the number of locks in use, not the number ever used.
import type { LockService } from './locks.js';

export class MemoryLocks implements LockService {
  private readonly tails = new Map<string, Promise<unknown>>();

  async withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(name, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
