// RFC 5802 §5 and RFC 7677 §3 test vectors, and full SCRAM exchanges against a client written here.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import { MemoryAccountStore } from '../storage/memory-accounts.js';
import type { AccountStore } from '../storage/accounts.js';
import { deriveCredentials, deriveScramCredential } from './credentials.js';
import { scramMechanism } from './scram.js';
import { SaslFailure } from './types.js';
import type { SaslContext, SaslExchange, SaslFailureCondition, SaslStep } from './types.js';

type Hash = 'SHA-1' | 'SHA-256';
const NODE_HASH = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' } as const;
const KEY_LENGTH = { 'SHA-1': 20, 'SHA-256': 32 } as const;
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function contextWith(accounts: Record<string, string> = {}, store: AccountStore = new MemoryAccountStore()): Promise<SaslContext> {
  for (const [username, password] of Object.entries(accounts)) {
    await store.createAccount({ username, createdAt: 0, credentials: deriveCredentials(password) });
  }
  return { domain: 'example.com', isSecure: false, isLoopback: false, accounts: store };
}

async function expectFailure(step: Promise<SaslStep>, condition: SaslFailureCondition, text?: RegExp): Promise<void> {
  const error = await step.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SaslFailure);
  expect((error as SaslFailure).condition).toBe(condition);
  if (text) expect((error as SaslFailure).text).toMatch(text);
}

function challengeText(step: SaslStep): string {
  if (step.kind !== 'challenge') throw new Error(`expected a challenge, got ${step.kind}`);
  return step.data.toString('utf8');
}

/** An independent RFC 5802 §3 client (node:crypto only), so the server is not checked against itself. */
class ScramClient {
  readonly nonce = randomBytes(18).toString('base64');
  private authMessage = '';
  private saltedPassword = Buffer.alloc(0);

  constructor(
    private readonly hash: Hash,
    private readonly username: string,
    private readonly password: string,
    readonly gs2Header = 'n,,',
  ) {}

  get first(): string {
    return `${this.gs2Header}${this.bare}`;
  }

  private get bare(): string {
    return `n=${this.username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
  }

  /** client-final-message for `serverFirst`; `edit` may tamper with the part without proof. */
  final(serverFirst: string, edit: (withoutProof: string) => string = (s) => s): string {
    const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a[0], a.slice(2)]));
    const withoutProof = edit(`c=${b64(this.gs2Header)},r=${attrs.r}`);
    const h = NODE_HASH[this.hash];
    this.saltedPassword = pbkdf2Sync(this.password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), KEY_LENGTH[this.hash], h);
    const clientKey = createHmac(h, this.saltedPassword).update('Client Key').digest();
    const storedKey = createHash(h).update(clientKey).digest();
    this.authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    const signature = createHmac(h, storedKey).update(this.authMessage).digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** The server-final-message the client expects (RFC 5802 §3 ServerSignature). */
  expectedServerFinal(): string {
    const h = NODE_HASH[this.hash];
    const serverKey = createHmac(h, this.saltedPassword).update('Server Key').digest();
    return `v=${createHmac(h, serverKey).update(this.authMessage).digest('base64')}`;
  }
}

/** Runs client-first and returns the exchange and server-first-message. */
async function begin(hash: Hash, context: SaslContext, client: ScramClient): Promise<[SaslExchange, string]> {
  const exchange = scramMechanism(hash).start(context);
  return [exchange, challengeText(await exchange.step(Buffer.from(client.first)))];
}

describe('SCRAM test vectors', () => {
  async function vectorContext(hash: Hash, salt: string): Promise<SaslContext> {
    const context = await contextWith();
    const credential = deriveScramCredential(hash, 'pencil', Buffer.from(salt, 'base64'), 4096);
    await context.accounts.createAccount({
      username: 'user',
      createdAt: 0,
      credentials: { ...deriveCredentials('pencil'), [hash]: credential },
    });
    return context;
  }

  it('reproduces the SCRAM-SHA-1 exchange of RFC 5802 §5', async () => {
    const context = await vectorContext('SHA-1', 'QSXCR+Q6sek8bf92');
    const exchange = scramMechanism('SHA-1', { randomNonce: () => '3rfcNHYJY1ZVvWVs7j' }).start(context);
    const serverFirst = await exchange.step(Buffer.from('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'));
    expect(challengeText(serverFirst)).toBe('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');
    const final = 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=';
    const success = await exchange.step(Buffer.from(final));
    expect(success).toEqual({ kind: 'success', username: 'user', data: Buffer.from('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=') });
  });

  it('reproduces the SCRAM-SHA-256 exchange of RFC 7677 §3', async () => {
    const context = await vectorContext('SHA-256', 'W22ZaJ0SNY7soEsUEjb6gQ==');
    const exchange = scramMechanism('SHA-256', { randomNonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' }).start(context);
    const serverFirst = await exchange.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    expect(challengeText(serverFirst)).toBe(`r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`);
    const final = `c=biws,r=${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`;
    const success = await exchange.step(Buffer.from(final));
    expect(success).toEqual({ kind: 'success', username: 'user', data: Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=') });
  });
});

describe.each(['SHA-256', 'SHA-1'] as const)('SCRAM-%s', (hash) => {
  it(`is named SCRAM-${hash} and offered on every connection, even without TLS (RFC 5802 §9)`, async () => {
    const mechanism = scramMechanism(hash);
    expect(mechanism.name).toBe(`SCRAM-${hash}`);
    expect(mechanism.isOffered(await contextWith())).toBe(true);
  });

  it('authenticates a client and proves the server knows the credential (RFC 5802 §3, §5)', async () => {
    const context = await contextWith({ alice: 'correct horse' });
    const client = new ScramClient(hash, 'alice', 'correct horse');
    const [exchange, serverFirst] = await begin(hash, context, client);
    expect(serverFirst).toMatch(new RegExp(`^r=${client.nonce.replace(/\+/g, '\\+')}[\\x21-\\x2b\\x2d-\\x7e]{24,},s=[A-Za-z0-9+/=]+,i=4096$`));
    const success = await exchange.step(Buffer.from(client.final(serverFirst)));
    expect(success).toEqual({ kind: 'success', username: 'alice', data: Buffer.from(client.expectedServerFinal()) });
  });

  it('sends an empty challenge when the client gives no initial response (RFC 6120 §6.4.2)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'pw');
    const exchange = scramMechanism(hash).start(context);
    expect(await exchange.step(undefined)).toEqual({ kind: 'challenge', data: Buffer.alloc(0) });
    const serverFirst = challengeText(await exchange.step(Buffer.from(client.first)));
    expect(await exchange.step(Buffer.from(client.final(serverFirst)))).toMatchObject({ kind: 'success', username: 'alice' });
  });

  it('normalises the username to lower case (store keys are lower-case localparts)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'Alice', 'pw');
    const [exchange, serverFirst] = await begin(hash, context, client);
    expect(await exchange.step(Buffer.from(client.final(serverFirst)))).toMatchObject({ kind: 'success', username: 'alice' });
  });

  it("decodes '=2C' and '=3D' in the username (RFC 5802 §5.1 n)", async () => {
    const context = await contextWith({ 'a,b=c': 'pw' });
    const client = new ScramClient(hash, 'a,b=c', 'pw');
    expect(client.first).toContain('n=a=2Cb=3Dc,');
    const [exchange, serverFirst] = await begin(hash, context, client);
    expect(await exchange.step(Buffer.from(client.final(serverFirst)))).toMatchObject({ kind: 'success', username: 'a,b=c' });
  });

  it.each(['a=alice,', 'a=alice@example.com,', 'a=Alice@Example.COM,'])(
    "accepts the authzid '%s' naming the user's own account (RFC 6120 §6.3.8)",
    async (authzid) => {
      const context = await contextWith({ alice: 'pw' });
      const client = new ScramClient(hash, 'alice', 'pw', `n,${authzid}`);
      const [exchange, serverFirst] = await begin(hash, context, client);
      expect(await exchange.step(Buffer.from(client.final(serverFirst)))).toMatchObject({ kind: 'success', username: 'alice' });
    },
  );

  it.each(['a=bob,', 'a=bob@example.com,', 'a=alice@example.com/phone,', 'a=alice@example.org,'])(
    "rejects the authzid '%s' with invalid-authzid (RFC 6120 §6.3.8)",
    async (authzid) => {
      const context = await contextWith({ alice: 'pw', bob: 'pw' });
      const exchange = scramMechanism(hash).start(context);
      await expectFailure(exchange.step(Buffer.from(`n,${authzid}n=alice,r=abc`)), 'invalid-authzid');
    },
  );

  it("accepts the 'y' flag of a client that supports channel binding (RFC 5802 §6)", async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'pw', 'y,,');
    const [exchange, serverFirst] = await begin(hash, context, client);
    expect(await exchange.step(Buffer.from(client.final(serverFirst)))).toMatchObject({ kind: 'success', username: 'alice' });
  });

  it("rejects 'p=' channel binding with channel-binding-not-supported, as no -PLUS mechanism is offered (RFC 5802 §6)", async () => {
    const exchange = scramMechanism(hash).start(await contextWith({ alice: 'pw' }));
    await expectFailure(exchange.step(Buffer.from('p=tls-exporter,,n=alice,r=abc')), 'malformed-request', /channel-binding-not-supported/);
  });

  it('fails a wrong password with not-authorized (RFC 6120 §6.5.10)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'not the password');
    const [exchange, serverFirst] = await begin(hash, context, client);
    await expectFailure(exchange.step(Buffer.from(client.final(serverFirst))), 'not-authorized', /invalid-proof/);
  });

  it('answers an unknown user with a normal, stable server-first and fails only at the end (RFC 5802 §7)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const known = (await begin(hash, context, new ScramClient(hash, 'alice', 'pw')))[1];
    const client = new ScramClient(hash, 'mallory', 'pw');
    const [exchange, serverFirst] = await begin(hash, context, client);
    const salt = (s: string) => s.split(',')[1];
    expect(serverFirst).toMatch(/^r=[^,]+,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    expect(salt(serverFirst)).toHaveLength(salt(known)!.length);
    // Asking again shows the same salt, as for a real account; another name shows another.
    expect(salt((await begin(hash, context, new ScramClient(hash, 'mallory', 'x')))[1])).toBe(salt(serverFirst));
    expect(salt((await begin(hash, context, new ScramClient(hash, 'trudy', 'x')))[1])).not.toBe(salt(serverFirst));
    await expectFailure(exchange.step(Buffer.from(client.final(serverFirst))), 'not-authorized', /invalid-proof/);
  });

  it('fails a client-final nonce that differs from the combined nonce (RFC 5802 §5.1 r)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'pw');
    const [exchange, serverFirst] = await begin(hash, context, client);
    const tampered = client.final(serverFirst, (s) => s.replace(/,r=(.)/, (_m, c: string) => `,r=${c === 'x' ? 'y' : 'x'}`));
    await expectFailure(exchange.step(Buffer.from(tampered)), 'not-authorized', /nonce/);
  });

  it('fails channel binding data other than the gs2 header sent (RFC 5802 §5.1 c)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'pw', 'n,a=alice,');
    const [exchange, serverFirst] = await begin(hash, context, client);
    const final = client.final(serverFirst, (s) => s.replace(/^c=[^,]*/, `c=${b64('n,,')}`));
    await expectFailure(exchange.step(Buffer.from(final)), 'not-authorized', /channel-bindings-dont-match/);
  });

  it("fails a mandatory extension 'm=' in client-final (RFC 5802 §5.1 m)", async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'pw');
    const [exchange, serverFirst] = await begin(hash, context, client);
    const final = client.final(serverFirst, (s) => `${s},m=ext`);
    await expectFailure(exchange.step(Buffer.from(final)), 'malformed-request', /extensions-not-supported/);
  });

  it('ignores an optional extension it does not understand (RFC 5802 §7 extensions)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'pw');
    const [exchange, serverFirst] = await begin(hash, context, client);
    const final = client.final(serverFirst, (s) => `${s},x=ignored`);
    expect(await exchange.step(Buffer.from(final))).toMatchObject({ kind: 'success', username: 'alice' });
  });

  it('reports a failing account store as temporary-auth-failure (RFC 6120 §6.5.11)', async () => {
    const store = new MemoryAccountStore();
    store.getAccount = () => Promise.reject(new Error('disk on fire'));
    const exchange = scramMechanism(hash).start(await contextWith({}, store));
    await expectFailure(exchange.step(Buffer.from('n,,n=alice,r=abc')), 'temporary-auth-failure');
  });

  it('refuses any step after success or failure (RFC 5802 §5)', async () => {
    const context = await contextWith({ alice: 'pw' });
    const client = new ScramClient(hash, 'alice', 'pw');
    const [exchange, serverFirst] = await begin(hash, context, client);
    await exchange.step(Buffer.from(client.final(serverFirst)));
    await expectFailure(exchange.step(Buffer.from(client.final(serverFirst))), 'malformed-request');
    const failed = scramMechanism(hash).start(context);
    await expectFailure(failed.step(Buffer.from('garbage')), 'malformed-request');
    await expectFailure(failed.step(Buffer.from(client.first)), 'malformed-request');
  });
});
