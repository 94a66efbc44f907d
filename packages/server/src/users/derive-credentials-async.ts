// RFC 5802 §3 / RFC 7677: the same server-side SCRAM keys as core's deriveCredentials, computed with
// node's asynchronous PBKDF2 so that many accounts derive in parallel on libuv's thread pool
// (the import of thousands of accounts is bound by these 2 × 4096 PBKDF2 iterations per account).
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DEFAULT_ITERATIONS, preparePassword, type Credentials, type ScramCredential, type ScramHash } from '@deskchat/core';

const pbkdf2Async = promisify(pbkdf2);
const DIGEST: Record<ScramHash, 'sha1' | 'sha256'> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' };
const KEY_LENGTH: Record<ScramHash, number> = { 'SHA-1': 20, 'SHA-256': 32 };

async function deriveScramCredentialAsync(hash: ScramHash, password: string, iterations: number): Promise<ScramCredential> {
  const salt = randomBytes(16);
  // The same preparation (PRECIS OpaqueString) as core's saltedPassword, or logins would fail.
  const input = Buffer.from(preparePassword(password), 'utf8');
  // SaltedPassword := Hi(Normalize(password), salt, i); ClientKey := HMAC(SaltedPassword, "Client Key");
  // StoredKey := H(ClientKey); ServerKey := HMAC(SaltedPassword, "Server Key").
  const salted = await pbkdf2Async(input, salt, iterations, KEY_LENGTH[hash], DIGEST[hash]);
  const clientKey = createHmac(DIGEST[hash], salted).update('Client Key').digest();
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: createHash(DIGEST[hash]).update(clientKey).digest('base64'),
    serverKey: createHmac(DIGEST[hash], salted).update('Server Key').digest('base64'),
  };
}

/** Credentials for every supported hash, each with its own salt (as core's deriveCredentials). */
export async function deriveCredentialsAsync(password: string, iterations = DEFAULT_ITERATIONS): Promise<Credentials> {
  const [sha1, sha256] = await Promise.all([
    deriveScramCredentialAsync('SHA-1', password, iterations),
    deriveScramCredentialAsync('SHA-256', password, iterations),
  ]);
  return { 'SHA-1': sha1, 'SHA-256': sha256 };
}
