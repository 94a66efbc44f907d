// The key layout's hash tags (Redis Cluster spec, "Hash tags"): one tag per user, never empty,
// never cut short by a brace in the username, never shared by two usernames.
import { describe, expect, it } from '@jest/globals';
import { KeySpace, tagToUsername, userTag } from './keys.js';

describe('userTag', () => {
  it('keeps ordinary usernames readable, and escapes only %, { and }', () => {
    expect(userTag('alice')).toBe('alice');
    expect(userTag('jürgen 😀')).toBe('jürgen 😀');
    expect(userTag('a{b}c%d')).toBe('a%7Bb%7Dc%25d');
  });

  it('is reversible, so two usernames never share a tag', () => {
    for (const u of ['a{b}c%d', '%7B', '}', '{}', '%', 'plain']) expect(tagToUsername(userTag(u))).toBe(u);
    expect(userTag('%7B')).not.toBe(userTag('{'));
  });
});

describe('KeySpace', () => {
  const keys = new KeySpace('dc:');

  it('puts every key of a user under the user\'s tag', () => {
    const user = keys.user('a}b');
    for (const key of Object.values(user)) expect(key.startsWith('dc:user:{a%7Db}:')).toBe(true);
    expect(keys.allOfUser('a}b')).toHaveLength(21);
  });

  it('names the global keys, the settings and the administration each in one slot of their own', () => {
    expect([keys.accountIndex, keys.settings, keys.settingsRevision]).toEqual(['dc:accounts', 'dc:{settings}:values', 'dc:{settings}:revision']);
    expect([keys.admins, keys.apiTokens, keys.apiTokenHashes, keys.audit, keys.auditLastId, keys.invitations]).toEqual(['dc:{admin}:admins', 'dc:{admin}:tokens', 'dc:{admin}:token-hashes', 'dc:{admin}:audit', 'dc:{admin}:audit:last-id', 'dc:{admin}:invitations']);
  });

  it("names the shared state: a user's under the user's tag (not in allOfUser), a node's under the node's, a lock's under the lock's", () => {
    expect(Object.values(keys.userVolatile('a}b'))).toEqual(['dc:user:{a%7Db}:sessions', 'dc:user:{a%7Db}:presence:available', 'dc:user:{a%7Db}:presence:directed', 'dc:user:{a%7Db}:chat-locks']);
    for (const key of Object.values(keys.userVolatile('a}b'))) expect(keys.allOfUser('a}b')).not.toContain(key);
    expect(keys.node('imp{1}')).toEqual({ sessions: 'dc:node:{imp%7B1%7D}:sessions', bus: 'dc:node:{imp%7B1%7D}:bus', busListener: 'dc:node:{imp%7B1%7D}:bus:listener', bosh: 'dc:node:{imp%7B1%7D}:bosh', sm: 'dc:node:{imp%7B1%7D}:sm' });
    expect(keys.bosh('s{1}')).toEqual({ record: 'dc:bosh:{s%7B1%7D}:record', outbox: 'dc:bosh:{s%7B1%7D}:outbox', responses: 'dc:bosh:{s%7B1%7D}:responses' });
    expect(keys.streamResumption('s{1}')).toEqual({ record: 'dc:sm:{s%7B1%7D}:record', unacked: 'dc:sm:{s%7B1%7D}:unacked' });
    expect(keys.lock('roster:a}b')).toEqual({ holder: 'dc:lock:{roster:a%7Db}', queue: 'dc:lock:{roster:a%7Db}:queue', waiters: 'dc:lock:{roster:a%7Db}:waiters' });
    expect([keys.clusterNodes, keys.clusterLastSeen, keys.clusterAssignments, keys.clusterAssignedCounts, keys.clusterAlive('imp1a')]).toEqual([
      'dc:{cluster}:nodes',
      'dc:{cluster}:last-seen',
      'dc:{cluster}:assignments',
      'dc:{cluster}:assigned-counts',
      'dc:{cluster}:alive:imp1a',
    ]);
    expect([keys.chatLocksIdle, keys.rateLimiter('sign-in-user'), keys.capsCache]).toEqual(['dc:{chat-locks}:idle', 'dc:rate:sign-in-user', 'dc:{caps}:features']);
  });

  it('reads a username back from an account key, and nothing from other keys', () => {
    expect(keys.usernameOfAccountKey(keys.user('a{b}%').account)).toBe('a{b}%');
    expect(keys.usernameOfAccountKey(keys.user('alice').vcard)).toBeUndefined();
    expect(keys.usernameOfAccountKey('other:user:{alice}:account')).toBeUndefined();
  });

  it('escapes glob characters of the prefix in the SCAN pattern, and refuses braces in it', () => {
    expect(new KeySpace('a*[b]?\\:').accountKeyPattern()).toBe('a\\*\\[b\\]\\?\\\\:user:{*}:account');
    expect(() => new KeySpace('x{y}')).toThrow(/braces/);
  });
});
