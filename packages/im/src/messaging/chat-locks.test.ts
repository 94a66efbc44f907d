// ChatLocks, the IM&P forking lock table (chat-locks.ts), as a pure unit with an injected clock.
import { describe, it, expect } from '@jest/globals';
import type { Session } from '@deskchat/core';

import { ChatLocks } from './chat-locks.js';

const session = (username: string, resource: string) => ({ username, jid: { resource } }) as unknown as Session;

describe('ChatLocks', () => {
  it('locks a contact to the session the user answered from, per contact', () => {
    const locks = new ChatLocks(0, () => 0);
    const laptop = session('bob', 'laptop');
    locks.lock('bob', 'alice@localhost', laptop);
    expect(locks.lockedSession('bob', 'alice@localhost')).toBe(laptop);
    expect(locks.lockedSession('bob', 'carol@localhost')).toBeUndefined();
    expect(locks.lockedSession('dave', 'alice@localhost')).toBeUndefined();
  });

  it('lets a lock lapse after the idle time since the last message, and never with idle time 0', () => {
    let now = 0;
    const laptop = session('bob', 'laptop');
    const locks = new ChatLocks(1000, () => now);
    locks.lock('bob', 'alice@localhost', laptop);
    now = 900;
    locks.touch('bob', 'alice@localhost', laptop);
    now = 1800;
    expect(locks.lockedSession('bob', 'alice@localhost')).toBe(laptop);
    now = 1900;
    expect(locks.lockedSession('bob', 'alice@localhost')).toBeUndefined();
    expect(locks.size).toBe(0);

    const forever = new ChatLocks(0, () => now);
    forever.lock('bob', 'alice@localhost', laptop);
    now = 1e12;
    expect(forever.lockedSession('bob', 'alice@localhost')).toBe(laptop);
  });

  it('does not refresh a lock through a message that went to another session', () => {
    let now = 0;
    const locks = new ChatLocks(1000, () => now);
    locks.lock('bob', 'alice@localhost', session('bob', 'laptop'));
    now = 900;
    locks.touch('bob', 'alice@localhost', session('bob', 'phone'));
    now = 1000;
    expect(locks.lockedSession('bob', 'alice@localhost')).toBeUndefined();
  });

  it('releases every lock held by a session that went away, and nothing else', () => {
    const locks = new ChatLocks(0, () => 0);
    const laptop = session('bob', 'laptop');
    const phone = session('bob', 'phone');
    locks.lock('bob', 'alice@localhost', laptop);
    locks.lock('bob', 'carol@localhost', laptop);
    locks.lock('bob', 'dave@localhost', phone);
    locks.releaseSession(laptop);
    expect(locks.size).toBe(1);
    expect(locks.lockedSession('bob', 'dave@localhost')).toBe(phone);
    locks.releaseSession(phone);
    expect(locks.size).toBe(0);
  });

  it('sweeps lapsed locks so that quiet conversations do not pile up', () => {
    let now = 0;
    const locks = new ChatLocks(1000, () => now);
    locks.lock('bob', 'alice@localhost', session('bob', 'laptop'));
    now = 500;
    locks.lock('carol', 'alice@localhost', session('carol', 'pc'));
    now = 1200;
    locks.sweep();
    expect(locks.size).toBe(1);
    expect(locks.lockedSession('carol', 'alice@localhost')).toBeDefined();
  });
});
