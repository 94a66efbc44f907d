// RFC 5802 §3 keys: the synchronous and thread-pool password checks agree.
import { describe, it, expect } from '@jest/globals';
import { checkPassword, checkPasswordAsync, deriveScramCredential } from './credentials.js';

describe('password checks against stored SCRAM keys', () => {
  const credential = deriveScramCredential('SHA-256', 'pencil ünïcode', Buffer.from('QSXCR+Q6sek8bf92', 'base64'), 4096);

  it('accepts the right password and refuses a wrong one, off the event loop as on it', async () => {
    expect(checkPassword('SHA-256', credential, 'pencil ünïcode')).toBe(true);
    await expect(checkPasswordAsync('SHA-256', credential, 'pencil ünïcode')).resolves.toBe(true);
    expect(checkPassword('SHA-256', credential, 'pencil')).toBe(false);
    await expect(checkPasswordAsync('SHA-256', credential, 'pencil')).resolves.toBe(false);
  });

  it('normalises the password (NFKC) the same way in both', async () => {
    const composed = 'ﬁle'; // U+FB01 LATIN SMALL LIGATURE FI becomes "fi" under NFKC
    const stored = deriveScramCredential('SHA-1', 'file', Buffer.from('c2FsdHNhbHQ=', 'base64'), 4096);
    expect(checkPassword('SHA-1', stored, composed)).toBe(true);
    await expect(checkPasswordAsync('SHA-1', stored, composed)).resolves.toBe(true);
  });
});
