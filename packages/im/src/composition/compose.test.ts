// The precedence rules of composed presence (design.md §3), one case per rule.
import { describe, it, expect } from '@jest/globals';
import { compose, MEETING_STATUS, PHONE_STATUS, type ResourcePresence } from './compose.js';

const r = (resource: string, show: ResourcePresence['show'], priority = 0, status?: string): ResourcePresence => ({ resource, show, priority, status });

describe('compose (design.md §3 precedence)', () => {
  it('is unavailable with no connected XMPP resource, even when the phone is on a call', () => {
    expect(compose({ resources: [], phone: 'on-call', calendar: 'in-meeting' })).toMatchObject({ isAvailable: false, reason: 'offline' });
  });

  it('picks the most available resource: chat > available > away > xa', () => {
    expect(compose({ resources: [r('a', 'xa'), r('b', 'available'), r('c', 'away')] })).toMatchObject({ show: 'available', fromResource: 'b' });
    expect(compose({ resources: [r('a', 'away'), r('b', 'chat')] })).toMatchObject({ show: 'chat', fromResource: 'b' });
    expect(compose({ resources: [r('a', 'xa'), r('b', 'away')] })).toMatchObject({ show: 'away', fromResource: 'b' });
  });

  it('breaks a tie between equally available resources by priority and keeps that status text', () => {
    expect(compose({ resources: [r('a', 'available', 1, 'desk'), r('b', 'available', 5, 'laptop')] })).toMatchObject({ status: 'laptop', fromResource: 'b' });
  });

  it('shows On the phone over any resource state when the phone is off-hook', () => {
    expect(compose({ resources: [r('a', 'chat')], phone: 'on-call' })).toEqual({ isAvailable: true, show: 'away', status: PHONE_STATUS, reason: 'on-call' });
  });

  it('shows In a meeting over a call', () => {
    expect(compose({ resources: [r('a', 'available')], phone: 'on-call', calendar: 'in-meeting' })).toMatchObject({ status: MEETING_STATUS, reason: 'in-meeting' });
  });

  it('never lets an automatic source override a manual DND from any device', () => {
    const composed = compose({ resources: [r('desk', 'available'), r('phone-app', 'dnd', 0, 'Do not disturb: coaching')], phone: 'on-call', calendar: 'in-meeting' });
    expect(composed).toMatchObject({ show: 'dnd', status: 'Do not disturb: coaching', reason: 'manual-dnd', fromResource: 'phone-app' });
  });

  it('goes back to the resources when the phone is idle and the calendar free', () => {
    expect(compose({ resources: [r('a', 'away', 0, 'lunch')], phone: 'idle', calendar: 'free' })).toMatchObject({ show: 'away', status: 'lunch', reason: 'resources' });
  });
});
