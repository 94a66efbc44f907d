// RFC 5802 §7 syntax: malformed SCRAM client messages end the exchange with malformed-request.
import { describe, it, expect } from '@jest/globals';
import { MemoryAccountStore } from '../storage/memory-accounts.js';
import { deriveCredentials } from './credentials.js';
import { decodeSaslname } from './scram-messages.js';
import { scramMechanism } from './scram.js';
import { SaslFailure } from './types.js';
import type { SaslContext, SaslExchange, SaslStep } from './types.js';

async function context(): Promise<SaslContext> {
  const accounts = new MemoryAccountStore();
  await accounts.createAccount({ username: 'user', createdAt: 0, credentials: deriveCredentials('pencil') });
  return { domain: 'example.com', isSecure: true, isLoopback: false, accounts };
}

async function failureOf(step: Promise<SaslStep>): Promise<SaslFailure> {
  const error = await step.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SaslFailure);
  return error as SaslFailure;
}

/** An exchange that has answered a valid client-first; returns it and the combined nonce. */
async function afterServerFirst(): Promise<[SaslExchange, string]> {
  const exchange = scramMechanism('SHA-256').start(await context());
  const step = await exchange.step(Buffer.from('n,,n=user,r=clientnonce'));
  if (step.kind !== 'challenge') throw new Error('expected server-first-message');
  return [exchange, step.data.toString().split(',')[0]!.slice(2)];
}

describe('SCRAM client-first-message syntax (RFC 5802 §7)', () => {
  it.each([
    ['an empty message (the "=" response)', Buffer.alloc(0)],
    ['text without structure', Buffer.from('garbage')],
    ['a gs2 header alone', Buffer.from('n,,')],
    ['no nonce', Buffer.from('n,,n=user')],
    ['an empty nonce', Buffer.from('n,,n=user,r=')],
    ['attributes out of order', Buffer.from('n,,r=abc,n=user')],
    ['an unknown gs2-cbind-flag', Buffer.from('x,,n=user,r=abc')],
    ['an authzid field without a=', Buffer.from('n,user,n=user,r=abc')],
    ['an empty username', Buffer.from('n,,n=,r=abc')],
    ["a bare '=' in the username", Buffer.from('n,,n=us=er,r=abc')],
    ['a non-printable nonce', Buffer.from('n,,n=user,r=ab c')],
    ['a malformed extension', Buffer.from('n,,n=user,r=abc,extension')],
    ['invalid UTF-8', Buffer.from([0x6e, 0x2c, 0x2c, 0x6e, 0x3d, 0xff, 0x2c, 0x72, 0x3d, 0x61])],
    ['a NUL', Buffer.from('n,,n=us\0er,r=abc')],
    ['an oversized message', Buffer.from(`n,,n=user,r=${'a'.repeat(5000)}`)],
  ])('rejects %s with malformed-request', async (_what, data) => {
    const exchange = scramMechanism('SHA-256').start(await context());
    expect((await failureOf(exchange.step(data))).condition).toBe('malformed-request');
  });

  it("rejects a mandatory extension 'm=' before the username (RFC 5802 §5.1 m)", async () => {
    const exchange = scramMechanism('SHA-1').start(await context());
    const failure = await failureOf(exchange.step(Buffer.from('n,,m=ext,n=user,r=abc')));
    expect(failure.condition).toBe('malformed-request');
    expect(failure.text).toMatch(/extensions-not-supported/);
  });

  it('sends the empty challenge only once for a missing initial response (RFC 6120 §6.4.2)', async () => {
    const exchange = scramMechanism('SHA-1').start(await context());
    expect(await exchange.step(undefined)).toEqual({ kind: 'challenge', data: Buffer.alloc(0) });
    expect((await failureOf(exchange.step(undefined))).condition).toBe('malformed-request');
  });
});

describe('SCRAM client-final-message syntax (RFC 5802 §7)', () => {
  const proof = Buffer.alloc(32).toString('base64');
  it.each([
    ['an empty message', () => ''],
    ['no proof', (nonce: string) => `c=biws,r=${nonce}`],
    ['the proof before the nonce', (nonce: string) => `c=biws,p=${proof},r=${nonce}`],
    ['channel binding that is not base64', (nonce: string) => `c=bi!ws,r=${nonce},p=${proof}`],
    ['a proof that is not base64', (nonce: string) => `c=biws,r=${nonce},p=not*base64`],
    ['a proof of the wrong length', (nonce: string) => `c=biws,r=${nonce},p=${Buffer.alloc(20).toString('base64')}`],
    ['a client-first-message again', () => 'n,,n=user,r=clientnonce'],
  ])('rejects %s with malformed-request', async (_what, final) => {
    const [exchange, nonce] = await afterServerFirst();
    expect((await failureOf(exchange.step(Buffer.from(final(nonce))))).condition).toBe('malformed-request');
  });

  it('rejects a missing client-final-message with malformed-request', async () => {
    const [exchange] = await afterServerFirst();
    expect((await failureOf(exchange.step(undefined))).condition).toBe('malformed-request');
  });
});

describe('saslname decoding (RFC 5802 §5.1 n)', () => {
  it("turns '=2C' into ',' and '=3D' into '=' in one pass", () => {
    expect(decodeSaslname('a=2Cb=3D2C')).toBe('a,b=2C');
  });

  it.each(['=', 'a=2', 'a=2c', '=41', ''])("rejects '%s'", (value) => {
    expect(() => decodeSaslname(value)).toThrow(SaslFailure);
  });
});
