// API tokens for automation: `dct_` + 32 random bytes (base64url). Shown once; only the SHA-256 is
// stored (a 256-bit random secret cannot be brute-forced, so a slow KDF would add nothing).
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'dct_';

export function generateApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
