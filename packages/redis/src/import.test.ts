// Roster versions across a migration (XEP-0237): a cached version must never come to name a
// different roster.
import { describe, expect, it } from '@jest/globals';
import { importedRosterVersion } from './import.js';

describe('importedRosterVersion', () => {
  it('takes the source version when Redis has no roster for the user', () => {
    expect(importedRosterVersion(7, undefined, false)).toBe(7);
  });

  it('keeps the higher version when Redis already holds the same items (a re-run changes nothing)', () => {
    expect(importedRosterVersion(7, 7, true)).toBe(7);
    expect(importedRosterVersion(7, 9, true)).toBe(9);
    expect(importedRosterVersion(7, 3, true)).toBe(7);
  });

  it('never lets a version Redis has used name other items: above Redis\'s when Redis reached the source\'s', () => {
    expect(importedRosterVersion(7, 3, false)).toBe(7);
    expect(importedRosterVersion(7, 7, false)).toBe(8);
    expect(importedRosterVersion(7, 9, false)).toBe(10);
    expect(importedRosterVersion(0, 2, false)).toBe(3);
  });
});
