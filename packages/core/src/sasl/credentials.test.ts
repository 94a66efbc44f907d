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

  it('prepares the password with PRECIS OpaqueString the same way in both (RFC 8265 §4.2: NFC, non-ASCII spaces to SPACE)', async () => {
    const stored = deriveScramCredential('SHA-1', 'caf\u00e9 au lait', Buffer.from('c2FsdHNhbHQ=', 'base64'), 4096);
    const typed = 'cafe\u0301\u00a0au lait'; // decomposed é and a NO-BREAK SPACE
    expect(checkPassword('SHA-1', stored, typed)).toBe(true);
    await expect(checkPasswordAsync('SHA-1', stored, typed)).resolves.toBe(true);
    // OpaqueString maps no compatibility characters (unlike the NFKC used before): the ligature stays itself.
    expect(checkPassword('SHA-1', deriveScramCredential('SHA-1', 'file', Buffer.from('c2FsdHNhbHQ=', 'base64'), 4096), '\ufb01le')).toBe(false);
  });
});
