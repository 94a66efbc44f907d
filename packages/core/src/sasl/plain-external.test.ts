// PLAIN against an external password directory (the LDAP bind of the "Instant messaging" issue).
import { describe, it, expect } from '@jest/globals';
import { MemoryAccountStore } from '../storage/memory-accounts.js';
import { deriveCredentials } from './credentials.js';
import { createPlainMechanism } from './plain.js';
import { defaultMechanisms } from './index.js';
import type { SaslContext } from './types.js';

const message = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`);

async function context(): Promise<SaslContext> {
  const accounts = new MemoryAccountStore();
  await accounts.createAccount({ username: 'alice', createdAt: 0, credentials: deriveCredentials('stored-password') });
  return { domain: 'localhost', isSecure: true, isLoopback: false, accounts };
}

describe('PLAIN with an external password verifier', () => {
  const verifier = async (user: string, password: string) => user === 'alice' && password === 'ldap-password';

  it('accepts the directory password, not the stored one', async () => {
    const mechanism = createPlainMechanism(verifier);
    await expect(mechanism.start(await context()).step(message('alice', 'ldap-password'))).resolves.toEqual({ kind: 'success', username: 'alice' });
    await expect(mechanism.start(await context()).step(message('alice', 'stored-password'))).rejects.toMatchObject({ condition: 'not-authorized' });
  });

  it('refuses a directory user who has no account here with not-authorized', async () => {
    const mechanism = createPlainMechanism(async () => true);
    await expect(mechanism.start(await context()).step(message('bob', 'anything'))).rejects.toMatchObject({ condition: 'not-authorized' });
  });

  it('answers temporary-auth-failure when the directory cannot be reached (RFC 6120 §6.5.12)', async () => {
    const mechanism = createPlainMechanism(async () => {
      throw new Error('ECONNREFUSED');
    });
    await expect(mechanism.start(await context()).step(message('alice', 'x'))).rejects.toMatchObject({ condition: 'temporary-auth-failure' });
  });

  it('offers only PLAIN when a verifier is configured (SCRAM cannot check directory passwords)', () => {
    expect(defaultMechanisms(verifier).map((m) => m.name)).toEqual(['PLAIN']);
    expect(defaultMechanisms().map((m) => m.name)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  });
});
