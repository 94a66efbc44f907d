// The tab's saved copy (sessionStorage): written once per burst, flushed on pagehide, per user,
// gone on sign-out.
import { describe, expect, it, jest } from '@jest/globals';
import { TabSession, type KeyValueStorage } from './tab-session.js';

function memory(): KeyValueStorage & { data: Map<string, string>; writes: number } {
  const data = new Map<string, string>();
  const store = {
    data,
    writes: 0,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => {
      store.writes++;
      data.set(k, v);
    },
    removeItem: (k: string) => void data.delete(k),
  };
  return store;
}

describe('TabSession', () => {
  it('coalesces a burst of changes into one write, with the latest state', () => {
    jest.useFakeTimers();
    const storage = memory();
    const tab = new TabSession(storage, 'agent@x', 200);
    for (let i = 0; i < 50; i++) tab.schedule(() => ({ chosen: { show: 'away', status: String(i) } }));
    expect(storage.writes).toBe(0);
    jest.advanceTimersByTime(200);
    expect(storage.writes).toBe(1);
    expect(tab.read()).toEqual({ chosen: { show: 'away', status: '49' } });
    jest.useRealTimers();
  });

  it('flushes at once (pagehide) and keeps each user apart; sign-out clears', () => {
    const storage = memory();
    const agent = new TabSession(storage, 'agent@x');
    agent.schedule(() => ({ chosen: { show: 'dnd' } }));
    agent.flush();
    expect(new TabSession(storage, 'other@x').read()).toEqual({});
    expect(new TabSession(storage, 'agent@x').read()).toEqual({ chosen: { show: 'dnd' } });
    agent.clear();
    expect(storage.data.size).toBe(0);
  });

  it('survives a full storage and unreadable data', () => {
    const storage = memory();
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const tab = new TabSession(storage, 'agent@x');
    tab.schedule(() => ({}));
    expect(() => tab.flush()).not.toThrow();
    storage.data.set('deskchat.tab.agent@x', '{not json');
    expect(tab.read()).toEqual({});
  });
});
