// RFC 5802 §3: derive the server-side SCRAM keys from a password, and check a password against them
// (used by PLAIN, so that no plaintext ever needs to be stored).
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { prepareOpaqueString } from '@deskchat/protocol';
import type { Credentials, ScramCredential, ScramHash } from '../storage/accounts.js';

/**
 * Normalize(password) of RFC 5802 §2.2, with the PRECIS OpaqueString profile that replaces SASLprep
 * (RFC 8265 §4.2; issue #7 §5). A password the profile refuses (a control, an unassigned code point)
 * cannot be set; checking one is done on its raw text, which matches no stored key made this way.
 */
export function preparePassword(password: string): string {
  return prepareOpaqueString(password) ?? password;
}

/** Node's digest names for the SCRAM hashes. */
export const DIGEST: Record<ScramHash, 'sha1' | 'sha256'> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' };
const KEY_LENGTH: Record<ScramHash, number> = { 'SHA-1': 20, 'SHA-256': 32 };

/** RFC 7677 §4 asks for at least 4096 iterations. */
export const DEFAULT_ITERATIONS = 4096;

export function hmac(hash: ScramHash, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(DIGEST[hash], key).update(data).digest();
}

export function digest(hash: ScramHash, data: Buffer): Buffer {
  return createHash(DIGEST[hash]).update(data).digest();
}

/** SaltedPassword := Hi(Normalize(password), salt, i) with Hi = PBKDF2-HMAC. */
export function saltedPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(preparePassword(password), 'utf8'), salt, iterations, KEY_LENGTH[hash], DIGEST[hash]);
}

export function deriveScramCredential(
  hash: ScramHash,
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = DEFAULT_ITERATIONS,
): ScramCredential {
  const salted = saltedPassword(hash, password, salt, iterations);
  const clientKey = hmac(hash, salted, 'Client Key');
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: digest(hash, clientKey).toString('base64'),
    serverKey: hmac(hash, salted, 'Server Key').toString('base64'),
  };
}

/** Credentials for every supported hash, each with its own salt. */
export function deriveCredentials(password: string, iterations = DEFAULT_ITERATIONS): Credentials {
  return {
    'SHA-1': deriveScramCredential('SHA-1', password, randomBytes(16), iterations),
    'SHA-256': deriveScramCredential('SHA-256', password, randomBytes(16), iterations),
  };
}

/** Constant-time check of a plaintext password against a stored credential. */
export function checkPassword(hash: ScramHash, credential: ScramCredential, password: string): boolean {
  const candidate = deriveScramCredential(hash, password, Buffer.from(credential.salt, 'base64'), credential.iterations);
  const a = Buffer.from(candidate.storedKey, 'base64');
  const b = Buffer.from(credential.storedKey, 'base64');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The same check off the event loop: PBKDF2 runs on libuv's thread pool, so a burst of PLAIN
 * sign-ins uses the other cores instead of stalling every session for milliseconds each.
 */
export function checkPasswordAsync(hash: ScramHash, credential: ScramCredential, password: string): Promise<boolean> {
  const salt = Buffer.from(credential.salt, 'base64');
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(preparePassword(password), 'utf8'), salt, credential.iterations, KEY_LENGTH[hash], DIGEST[hash], (err, salted) => {
      if (err) return reject(err);
      const storedKey = digest(hash, hmac(hash, salted, 'Client Key'));
      const expected = Buffer.from(credential.storedKey, 'base64');
      resolve(storedKey.length === expected.length && timingSafeEqual(storedKey, expected));
    });
  });
}
