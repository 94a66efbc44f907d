// The contact ring of the presence fan-out scenario and the reading of bench JIDs.
import { describe, it, expect } from '@jest/globals';
import { contactsOf, userIndex } from './presence-fanout.js';

describe('contactsOf', () => {
  it('gives each user K distinct neighbours, K/2 on each side of the ring', () => {
    expect(contactsOf(0, 100, 4).sort((a, b) => a - b)).toEqual([1, 2, 98, 99]);
    for (let user = 0; user < 30; user++) {
      const contacts = contactsOf(user, 30, 10);
      expect(new Set(contacts).size).toBe(10);
      expect(contacts).not.toContain(user);
    }
  });

  it('is symmetric, so every subscription can be mutual (RFC 6121 §3)', () => {
    for (let user = 0; user < 25; user++) for (const contact of contactsOf(user, 25, 6)) expect(contactsOf(contact, 25, 6)).toContain(user);
  });
});

describe('userIndex', () => {
  const account = { prefix: 'u', password: 'p' };

  it('maps bare and full bench JIDs to a zero-based index', () => {
    expect(userIndex('u1@localhost', account)).toBe(0);
    expect(userIndex('u17@localhost/bench', account)).toBe(16);
  });

  it('answers -1 for JIDs that are not bench users', () => {
    for (const jid of [undefined, 'localhost', 'alice@localhost', 'u0@localhost', 'ux@localhost', 'u1.5@localhost']) expect(userIndex(jid, account)).toBe(-1);
  });
});
