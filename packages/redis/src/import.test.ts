// Roster versions across a migration (XEP-0237): a cached version must never come to name a
// different roster.
import { describe, expect, it } from '@jest/globals';
import { importedRosterVersion } from './import.js';

describe('importedRosterVersion', () => {
  it('keeps the source version when Redis has none, the same, or an older one', () => {
    expect(importedRosterVersion(7, undefined)).toBe(7);
    expect(importedRosterVersion(7, 7)).toBe(7);
    expect(importedRosterVersion(7, 3)).toBe(7);
  });

  it('goes above both when Redis moved on since an earlier run', () => {
    expect(importedRosterVersion(7, 9)).toBe(10);
    expect(importedRosterVersion(0, 2)).toBe(3);
  });
});
