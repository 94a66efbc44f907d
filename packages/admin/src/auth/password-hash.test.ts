// Admin passwords as scrypt (RFC 7914) strings that carry their own cost.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from './password-hash.js';

describe('admin password hashes', () => {
  it('verifies the right password and refuses a wrong one; two hashes of one password differ (salt)', async () => {
    const cost = { log2N: 10, r: 8, p: 1 };
    const a = await hashPassword('correct horse', cost);
    const b = await hashPassword('correct horse', cost);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    await expect(verifyPassword('correct horse', a)).resolves.toBe(true);
    await expect(verifyPassword('correct hors', a)).resolves.toBe(false);
  });

  it('uses a memory-hard default cost (N = 2^15, r = 8: 32 MiB)', async () => {
    expect(DEFAULT_SCRYPT_COST).toEqual({ log2N: 15, r: 8, p: 1 });
    const hash = await hashPassword('x'.repeat(12));
    expect(hash.startsWith('scrypt$15$8$1$')).toBe(true);
    await expect(verifyPassword('x'.repeat(12), hash)).resolves.toBe(true);
  });

  it('refuses hashes in another format or with an absurd cost instead of throwing', async () => {
    await expect(verifyPassword('pw', 'bcrypt$2b$10$abc')).resolves.toBe(false);
    await expect(verifyPassword('pw', 'scrypt$40$8$1$c2FsdA==$a2V5')).resolves.toBe(false);
  });
});
