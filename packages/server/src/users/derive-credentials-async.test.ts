// The asynchronous SCRAM key derivation must produce what core's checkPassword accepts (RFC 5802 §3).
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ITERATIONS, checkPassword, deriveScramCredential } from '@deskchat/core';
import { deriveCredentialsAsync } from './derive-credentials-async.js';

describe('deriveCredentialsAsync', () => {
  it('derives SHA-1 and SHA-256 keys that checkPassword accepts for that password only (RFC 5802 §3, RFC 7677)', async () => {
    const credentials = await deriveCredentialsAsync('pässwörd');
    for (const hash of ['SHA-1', 'SHA-256'] as const) {
      expect(credentials[hash].iterations).toBe(DEFAULT_ITERATIONS);
      expect(checkPassword(hash, credentials[hash], 'pässwörd')).toBe(true);
      expect(checkPassword(hash, credentials[hash], 'passwort')).toBe(false);
    }
  });

  it('computes the same keys as the synchronous derivation for the same salt', async () => {
    const credentials = await deriveCredentialsAsync('fi\u0301sh', 16); // OpaqueString's NFC composes í (RFC 8265 §4.2)
    for (const hash of ['SHA-1', 'SHA-256'] as const) {
      const sync = deriveScramCredential(hash, 'f\u00edsh', Buffer.from(credentials[hash].salt, 'base64'), 16);
      expect(credentials[hash]).toEqual(sync);
    }
  });

  it('uses a fresh 16-byte salt per hash and per call', async () => {
    const [a, b] = await Promise.all([deriveCredentialsAsync('x', 1), deriveCredentialsAsync('x', 1)]);
    const salts = [a['SHA-1'].salt, a['SHA-256'].salt, b['SHA-1'].salt, b['SHA-256'].salt];
    expect(new Set(salts).size).toBe(4);
    expect(Buffer.from(salts[0]!, 'base64')).toHaveLength(16);
  });
});
