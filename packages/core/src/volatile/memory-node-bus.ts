// In-memory NodeBus for Cores sharing one process (the harness's cluster mode). Messages are
// serialized and parsed back, as on a real bus, and `publish` waits for the receiving handler, so
// that a stanza sent across "nodes" has arrived when the sender's routing call returns — tests
// stay deterministic without waiting.
import type { BusHandler, BusMessage, NodeBus } from './node-bus.js';

export class MemoryNodeBus implements NodeBus {
  private readonly handlers = new Map<string, BusHandler>();

  async subscribe(node: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.handlers.has(node)) throw new Error(`node '${node}' is already subscribed to the bus`);
    this.handlers.set(node, handler);
    return async () => {
      if (this.handlers.get(node) === handler) this.handlers.delete(node);
    };
  }

  async publish(node: string, message: BusMessage): Promise<void> {
    const handler = this.handlers.get(node);
    if (!handler) return;
    await handler(JSON.parse(JSON.stringify(message)) as BusMessage);
  }
}
