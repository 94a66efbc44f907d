// What the gadget shows for a contact: DeskChat's composed presence when the server publishes it
// (design.md §3), else the highest-priority available resource (RFC 6121 §4.7.2.3).
import { describe, expect, it } from '@jest/globals';
import { isSignedOut, PresenceBook, summarize, type ResourcePresence } from './presence.js';

const res = (resource: string, show: ResourcePresence['show'], priority = 0, extra: Partial<ResourcePresence> = {}): ResourcePresence => ({ resource, show, priority, ...extra });

describe('summarize', () => {
  it('is offline with no available resource', () => {
    expect(summarize([])).toEqual({ state: 'offline' });
    expect(isSignedOut(summarize([]))).toBe(true);
  });

  it('shows the composed presence whatever the other resources say', () => {
    const composed = (reason: string, show: ResourcePresence['show'], status?: string) => res('composed-presence', show, 127, { composedReason: reason, ...(status ? { status } : {}) });
    expect(summarize([res('desk', 'chat', 5), composed('on-call', 'away', 'On the phone')])).toEqual({ state: 'phone', status: 'On the phone' });
    expect(summarize([composed('in-meeting', 'away', 'In a meeting')])).toEqual({ state: 'meeting', status: 'In a meeting' });
    expect(summarize([composed('manual-dnd', 'dnd', 'busy')])).toEqual({ state: 'dnd', status: 'busy' });
    expect(summarize([composed('resources', 'xa')])).toEqual({ state: 'away' });
    expect(summarize([composed('resources', 'available')])).toEqual({ state: 'available' });
  });

  it('without composition shows the highest priority resource; a tie goes to the more available one', () => {
    expect(summarize([res('a', 'dnd', 1), res('b', 'available', 0)])).toEqual({ state: 'dnd' });
    expect(summarize([res('a', 'away', 1), res('b', 'chat', 1, { status: 'free' })])).toEqual({ state: 'available', status: 'free' });
  });
});

describe('PresenceBook', () => {
  it('tracks resources per contact and reports only changes of what is shown', () => {
    const book = new PresenceBook();
    expect(book.isKnown('bob@x')).toBe(false);
    expect(book.available('bob@x', res('a', 'available'))).toBe(true);
    expect(book.available('bob@x', res('b', 'available'))).toBe(false);
    expect(book.unavailable('bob@x', 'a')).toBe(false);
    expect(book.unavailable('bob@x', 'b')).toBe(true);
    expect(book.get('bob@x')).toEqual({ state: 'offline' });
    expect(book.isKnown('bob@x')).toBe(true);
  });

  it('an unavailable presence from the bare JID clears every resource', () => {
    const book = new PresenceBook();
    book.available('bob@x', res('a', 'away'));
    book.available('bob@x', res('b', 'away'));
    book.unavailable('bob@x', undefined);
    expect(book.get('bob@x').state).toBe('offline');
  });

  it('survives a snapshot and restore (sessionStorage across a reload)', () => {
    const book = new PresenceBook();
    book.available('bob@x', res('a', 'dnd', 0, { status: 'later' }));
    const copy = new PresenceBook();
    copy.restore(JSON.parse(JSON.stringify(book.snapshot())));
    expect(copy.get('bob@x')).toEqual({ state: 'dnd', status: 'later' });
    copy.forget('bob@x');
    expect(copy.isKnown('bob@x')).toBe(false);
  });
});
