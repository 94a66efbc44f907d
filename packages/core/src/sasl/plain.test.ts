// RFC 4616 PLAIN and RFC 6120 §6.4.2: offered only under TLS or on loopback, checked against the stored SCRAM credential.
import { describe, it, expect } from '@jest/globals';
import { MemoryAccountStore } from '../storage/memory-accounts.js';
import { deriveCredentials } from './credentials.js';
import { plainMechanism } from './plain.js';
import { SaslFailure } from './types.js';
import type { SaslContext, SaslFailureCondition, SaslStep } from './types.js';

async function contextWith(flags: Partial<Pick<SaslContext, 'isSecure' | 'isLoopback'>> = { isSecure: true }): Promise<SaslContext> {
  const accounts = new MemoryAccountStore();
  await accounts.createAccount({ username: 'alice', createdAt: 0, credentials: deriveCredentials('correct horse') });
  await accounts.createAccount({ username: 'bob', createdAt: 0, credentials: deriveCredentials('battery staple') });
  return { domain: 'example.com', isSecure: false, isLoopback: false, ...flags, accounts };
}

const message = (authzid: string, authcid: string, password: string) => Buffer.from(`${authzid}\0${authcid}\0${password}`);

async function expectFailure(step: Promise<SaslStep>, condition: SaslFailureCondition): Promise<void> {
  const error = await step.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SaslFailure);
  expect((error as SaslFailure).condition).toBe(condition);
}

describe('PLAIN (RFC 4616)', () => {
  it.each([
    [{ isSecure: true, isLoopback: false }, true],
    [{ isSecure: false, isLoopback: true }, true],
    [{ isSecure: true, isLoopback: true }, true],
    [{ isSecure: false, isLoopback: false }, false],
  ])('is offered only over TLS or loopback (RFC 4616 §6): %j → %s', async (flags, isOffered) => {
    expect(plainMechanism.name).toBe('PLAIN');
    expect(plainMechanism.isOffered(await contextWith(flags))).toBe(isOffered);
  });

  it('refuses to run on a connection where it is not offered, with encryption-required (RFC 6120 §6.5.4)', async () => {
    const exchange = plainMechanism.start(await contextWith({ isSecure: false, isLoopback: false }));
    await expectFailure(exchange.step(message('', 'alice', 'correct horse')), 'encryption-required');
  });

  it('authenticates authcid and password given as the initial response (RFC 4616 §2)', async () => {
    const exchange = plainMechanism.start(await contextWith());
    expect(await exchange.step(message('', 'alice', 'correct horse'))).toEqual({ kind: 'success', username: 'alice' });
  });

  it('authenticates on loopback without TLS', async () => {
    const exchange = plainMechanism.start(await contextWith({ isLoopback: true }));
    expect(await exchange.step(message('', 'bob', 'battery staple'))).toEqual({ kind: 'success', username: 'bob' });
  });

  it('normalises the authcid to lower case (store keys are lower-case localparts)', async () => {
    const exchange = plainMechanism.start(await contextWith());
    expect(await exchange.step(message('', 'ALICE', 'correct horse'))).toEqual({ kind: 'success', username: 'alice' });
  });

  it('sends an empty challenge when there is no initial response, then reads the message (RFC 6120 §6.4.2)', async () => {
    const exchange = plainMechanism.start(await contextWith());
    expect(await exchange.step(undefined)).toEqual({ kind: 'challenge', data: Buffer.alloc(0) });
    expect(await exchange.step(message('', 'alice', 'correct horse'))).toEqual({ kind: 'success', username: 'alice' });
  });

  it.each(['alice', 'alice@example.com', 'Alice@EXAMPLE.com'])(
    "accepts the authzid '%s' naming the user's own account (RFC 6120 §6.3.8)",
    async (authzid) => {
      const exchange = plainMechanism.start(await contextWith());
      expect(await exchange.step(message(authzid, 'alice', 'correct horse'))).toEqual({ kind: 'success', username: 'alice' });
    },
  );

  it.each(['bob', 'bob@example.com', 'alice@example.com/desk', 'alice@example.net'])(
    "rejects the authzid '%s' with invalid-authzid (RFC 6120 §6.3.8)",
    async (authzid) => {
      const exchange = plainMechanism.start(await contextWith());
      await expectFailure(exchange.step(message(authzid, 'alice', 'correct horse')), 'invalid-authzid');
    },
  );

  it('fails a wrong password with not-authorized (RFC 6120 §6.5.10)', async () => {
    const exchange = plainMechanism.start(await contextWith());
    await expectFailure(exchange.step(message('', 'alice', 'battery staple')), 'not-authorized');
  });

  it('fails an unknown user with the same not-authorized as a wrong password (RFC 6120 §6.5.10)', async () => {
    const exchange = plainMechanism.start(await contextWith());
    await expectFailure(exchange.step(message('', 'mallory', 'correct horse')), 'not-authorized');
  });

  it('spends a key derivation on an unknown user as on a wrong password (no user enumeration by timing)', async () => {
    const context = await contextWith();
    /** Median duration of one failed attempt, robust to an occasional pause. */
    const medianTime = async (authcid: string) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const start = process.hrtime.bigint();
        await plainMechanism.start(context).step(message('', authcid, 'wrong')).catch(() => undefined);
        times.push(Number(process.hrtime.bigint() - start));
      }
      return times.sort((a, b) => a - b)[3]!;
    };
    await medianTime('alice'); // warm up
    const [known, unknown] = [await medianTime('alice'), await medianTime('mallory')];
    // Without the fake derivation an unknown user costs a map lookup: a ratio in the hundreds.
    expect(known / unknown).toBeLessThan(10);
  });

  it.each([
    ['an empty message ("=")', Buffer.alloc(0)],
    ['no separator', Buffer.from('alice')],
    ['one separator', Buffer.from('alice\0correct horse')],
    ['three separators', Buffer.from('\0alice\0correct\0horse')],
    ['an empty authcid', message('', '', 'correct horse')],
    ['an empty password', message('', 'alice', '')],
    ['invalid UTF-8', Buffer.concat([Buffer.from('\0ali'), Buffer.from([0xc3]), Buffer.from('\0pw')])],
    ['an oversized password', message('', 'alice', 'x'.repeat(2000))],
  ])('rejects %s with malformed-request (RFC 4616 §2)', async (_what, data) => {
    const exchange = plainMechanism.start(await contextWith());
    await expectFailure(exchange.step(data), 'malformed-request');
  });

  it('refuses any step after the exchange is over', async () => {
    const exchange = plainMechanism.start(await contextWith());
    await exchange.step(message('', 'alice', 'correct horse'));
    await expectFailure(exchange.step(message('', 'alice', 'correct horse')), 'malformed-request');
  });
});
