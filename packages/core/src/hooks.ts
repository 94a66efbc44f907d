// The hook bus (Prosody-style named events). Three firing modes, each documented on its method:
// dispatch (priority order, first truthy result stops), collect (gather results), notify (all run).
import type { Logger } from './log.js';
import { silentLogger } from './log.js';
import type { HookEvents } from './hook-events.js';

export type HookName = keyof HookEvents;
export type HookHandler<E extends HookName> = (payload: HookEvents[E]['payload']) => HookEvents[E]['result'] | Promise<HookEvents[E]['result']>;

interface Registration {
  handler: (payload: never) => unknown;
  priority: number;
  order: number;
}

export class HookBus {
  private readonly handlers = new Map<string, Registration[]>();
  private counter = 0;

  constructor(private readonly log: Logger = silentLogger) {}

  /**
   * Registers a handler; higher priority runs first, equal priorities in registration order.
   * Fallbacks use negative priorities. Returns a function that removes the handler.
   */
  on<E extends HookName>(event: E, handler: HookHandler<E>, priority = 0): () => void {
    // Copy on write: registrations are rare and firing is the hot path, so a firing iterates the
    // array it started with and never needs a defensive copy.
    const registration: Registration = { handler: handler as Registration['handler'], priority, order: this.counter++ };
    const list = [...(this.handlers.get(event) ?? []), registration];
    list.sort((a, b) => b.priority - a.priority || a.order - b.order);
    this.handlers.set(event, list);
    return () => {
      const current = this.handlers.get(event);
      if (current?.includes(registration)) this.handlers.set(event, current.filter((r) => r !== registration));
    };
  }

  has(event: HookName): boolean {
    return (this.handlers.get(event)?.length ?? 0) > 0;
  }

  /** Dispatch: handlers run in priority order until one returns a truthy value; returns whether one did. Exceptions propagate to the caller. */
  async dispatch<E extends HookName>(event: E, payload: HookEvents[E]['payload']): Promise<boolean> {
    const list = this.handlers.get(event);
    if (!list) return false;
    for (const { handler } of list) {
      const result = (handler as (p: unknown) => unknown)(payload);
      if (isThenable(result) ? await result : result) return true;
    }
    return false;
  }

  /** Collect: every handler runs; results (arrays are flattened, undefined dropped) are returned in priority order. */
  async collect<E extends HookName>(event: E, payload: HookEvents[E]['payload']): Promise<CollectItem<E>[]> {
    const list = this.handlers.get(event);
    if (!list) return [];
    const out: CollectItem<E>[] = [];
    for (const { handler } of list) {
      const returned = (handler as (p: unknown) => unknown)(payload);
      const result = isThenable(returned) ? await returned : returned;
      if (Array.isArray(result)) out.push(...(result as CollectItem<E>[]));
      else if (result !== undefined && result !== null) out.push(result as CollectItem<E>);
    }
    return out;
  }

  /** Notify: every handler runs; one that throws is logged with its stack and skipped. */
  async notify<E extends HookName>(event: E, payload: HookEvents[E]['payload']): Promise<void> {
    const list = this.handlers.get(event);
    if (!list) return;
    for (const { handler } of list) {
      try {
        const result = (handler as (p: unknown) => unknown)(payload);
        if (isThenable(result)) await result;
      } catch (err) {
        this.log.error({ err, event }, 'hook handler failed');
      }
    }
  }
}

export type CollectItem<E extends HookName> = HookEvents[E] extends { item: infer T } ? T : never;

/**
 * Handlers that answer at once are not awaited: every stanza passes a dozen hooks, and an await
 * of a plain value still costs a promise and a turn of the microtask queue.
 */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
