// The administration keys of the config file and environment (issue #13): `admins` (a list, or
// DESKCHAT_ADMINS comma-separated) as bare JIDs of the domain, and the `adhoc` section's bounds.
import { describe, it, expect } from '@jest/globals';
import { loadConfig, parseConfig } from './config.js';

describe('admins and adhoc configuration', () => {
  it('has no administrators by default', () => {
    expect(parseConfig({}, '/tmp').admins).toEqual([]);
  });

  it('reads admins from the file as usernames or bare JIDs of the domain', () => {
    expect(parseConfig({ domain: 'chat.example.com', admins: ['boss', 'Ops@chat.example.com'] }, '/tmp').admins).toEqual(['boss@chat.example.com', 'ops@chat.example.com']);
  });

  it('reads DESKCHAT_ADMINS as a comma-separated list', () => {
    expect(loadConfig({ env: { DESKCHAT_ADMINS: 'boss, ops' }, cwd: '/nonexistent-dir' }).admins).toEqual(['boss@localhost', 'ops@localhost']);
  });

  it('names the key of an admin of another domain, and of a bad adhoc bound', () => {
    expect(() => parseConfig({ admins: ['boss@other.example'] }, '/tmp')).toThrow(/admins\[0\]/);
    expect(() => parseConfig({ adhoc: { maxSessions: 0 } }, '/tmp')).toThrow(/adhoc\.maxSessions/);
    expect(parseConfig({ adhoc: { sessionTimeoutSeconds: 120 } }, '/tmp').adhoc.sessionTimeoutSeconds).toBe(120);
  });
});
