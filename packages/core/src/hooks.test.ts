// The three firing modes of the hook bus (conventions §2).
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { HookBus } from './hooks.js';
import type { Logger } from './log.js';
import { silentLogger } from './log.js';
import type { StanzaEvent } from './hook-events.js';
import { parseJid } from '@deskchat/protocol';

const event = (): StanzaEvent => ({ stanza: xml('message'), from: parseJid('a@localhost/r')!, to: parseJid('b@localhost')! });

describe('HookBus', () => {
  it('dispatch runs handlers by descending priority and stops at the first truthy result', async () => {
    const bus = new HookBus();
    const calls: string[] = [];
    bus.on('message/bare', () => void calls.push('fallback'), -10);
    bus.on('message/bare', () => { calls.push('high'); return false; }, 10);
    bus.on('message/bare', () => { calls.push('normal'); return true; });
    expect(await bus.dispatch('message/bare', event())).toBe(true);
    expect(calls).toEqual(['high', 'normal']);
  });

  it('dispatch returns false when no handler claims the event', async () => {
    const bus = new HookBus();
    bus.on('message/bare', () => undefined);
    expect(await bus.dispatch('message/bare', event())).toBe(false);
    expect(await bus.dispatch('message/full', event())).toBe(false);
  });

  it('collect gathers and flattens results in priority order, dropping undefined', async () => {
    const bus = new HookBus();
    bus.on('disco/host-features', () => ['b', 'c']);
    bus.on('disco/host-features', () => 'a', 5);
    bus.on('disco/host-features', () => undefined);
    expect(await bus.collect('disco/host-features', { from: parseJid('a@localhost')! })).toEqual(['a', 'b', 'c']);
  });

  it('notify runs every handler and logs, then skips, one that throws', async () => {
    const errors: unknown[] = [];
    const log: Logger = { ...silentLogger, child: () => log, error: (obj) => void errors.push(obj) };
    const bus = new HookBus(log);
    const ran: number[] = [];
    bus.on('session/bound', () => { throw new Error('boom'); }, 1);
    bus.on('session/bound', () => void ran.push(2));
    await bus.notify('session/bound', { session: {} as never });
    expect(ran).toEqual([2]);
    expect(errors).toHaveLength(1);
  });

  it('removes a handler with the function on() returned', async () => {
    const bus = new HookBus();
    const off = bus.on('message/bare', () => true);
    off();
    expect(await bus.dispatch('message/bare', event())).toBe(false);
  });
});
