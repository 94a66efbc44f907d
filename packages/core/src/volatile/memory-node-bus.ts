// In-memory NodeBus for Cores sharing one process (the harness's cluster mode). Messages are
// serialized and parsed back, as on a real bus, and `publish` waits for the receiving handler, so
// that a stanza sent across "nodes" has arrived when the sender's routing call returns — tests
// stay deterministic without waiting. Messages for a node that is not subscribed wait in a
// backlog (bounded: the oldest go first past `maxBacklog`) until it subscribes or is drained.
import type { BusHandler, BusMessage, NodeBus } from './node-bus.js';

export class MemoryNodeBus implements NodeBus {
  private readonly handlers = new Map<string, BusHandler>();
  private readonly backlog = new Map<string, BusMessage[]>();

  constructor(private readonly maxBacklog = 100_000) {}

  async subscribe(node: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.handlers.has(node)) throw new Error(`node '${node}' is already subscribed to the bus`);
    this.handlers.set(node, handler);
    const waiting = this.backlog.get(node) ?? [];
    this.backlog.delete(node);
    for (const message of waiting) await handler(message);
    return async () => {
      if (this.handlers.get(node) === handler) this.handlers.delete(node);
    };
  }

  async publish(node: string, message: BusMessage): Promise<void> {
    const copy = JSON.parse(JSON.stringify(message)) as BusMessage;
    const handler = this.handlers.get(node);
    if (handler) return handler(copy);
    const waiting = this.backlog.get(node) ?? [];
    waiting.push(copy);
    if (waiting.length > this.maxBacklog) waiting.shift();
    this.backlog.set(node, waiting);
  }

  async drain(node: string): Promise<BusMessage[]> {
    if (this.handlers.has(node)) return [];
    const waiting = this.backlog.get(node) ?? [];
    this.backlog.delete(node);
    return waiting;
  }
}
