// RFC 5802 (SCRAM, §3 algorithm, §5 exchange), RFC 7677 (SCRAM-SHA-256), RFC 6120 §6 (SASL in
// XMPP): the server side of SCRAM-SHA-1 and SCRAM-SHA-256, without channel binding.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ScramHash } from '../storage/accounts.js';
import { digest, hmac } from './credentials.js';
import { isOwnAuthzid, lookUpCredential, normaliseUsername } from './identity.js';
import { formatServerFinal, formatServerFirst, parseClientFinal, parseClientFirst } from './scram-messages.js';
import { SaslFailure } from './types.js';
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from './types.js';

export interface ScramOptions {
  /** The server's part of the nonce (printable, no comma). Injected by tests; random by default. */
  randomNonce?: () => string;
}

/** RFC 5802 §5.1 `r`: the server appends its own fresh nonce; 24 random bytes (≥ 18 asked for). */
const defaultNonce = () => randomBytes(24).toString('base64');

/** What the server remembers between server-first and client-final. */
interface PendingProof {
  username: string;
  gs2Header: string;
  nonce: string;
  /** client-first-message-bare "," server-first-message: AuthMessage up to client-final. */
  authMessageStart: string;
  storedKey: Buffer;
  serverKey: Buffer;
  isKnown: boolean;
}

export function scramMechanism(hash: ScramHash, options: ScramOptions = {}): SaslMechanism {
  const randomNonce = options.randomNonce ?? defaultNonce;
  return {
    name: `SCRAM-${hash}`,
    // Offered on every connection: the password never crosses the wire (RFC 5802 §9).
    isOffered: () => true,
    start: (context) => new ScramExchange(hash, context, randomNonce),
  };
}

class ScramExchange implements SaslExchange {
  private state: 'client-first' | 'client-final' | 'finished' = 'client-first';
  private hasSentEmptyChallenge = false;
  private pending: PendingProof | undefined;

  constructor(
    private readonly hash: ScramHash,
    private readonly context: SaslContext,
    private readonly randomNonce: () => string,
  ) {}

  async step(clientData: Buffer | undefined): Promise<SaslStep> {
    const state = this.state;
    // Any failure ends the exchange: the state moves on before the first await.
    this.state = 'finished';
    if (state === 'client-first') {
      // RFC 6120 §6.4.2 / RFC 4422 §5: SCRAM is client-first; without an initial response the
      // server sends an empty challenge, once.
      if (clientData === undefined && !this.hasSentEmptyChallenge) {
        this.hasSentEmptyChallenge = true;
        this.state = 'client-first';
        return { kind: 'challenge', data: Buffer.alloc(0) };
      }
      const serverFirst = await this.serverFirst(clientData);
      this.state = 'client-final';
      return { kind: 'challenge', data: Buffer.from(serverFirst, 'utf8') };
    }
    if (state === 'client-final') return this.serverFinal(clientData);
    throw new SaslFailure('malformed-request', 'the SCRAM exchange is over (RFC 5802 §5)');
  }

  /** RFC 5802 §5: read client-first-message, answer server-first-message. */
  private async serverFirst(clientData: Buffer | undefined): Promise<string> {
    // 1. Parse (gs2 header, username, client nonce); 'p=' and 'm=' are refused there.
    const message = parseClientFirst(clientData);
    const username = normaliseUsername(message.username);
    if (username === '') throw new SaslFailure('malformed-request', 'the username is empty or not a username (RFC 5802 §5.1, RFC 8265 §3.3)');
    // 2. The authzid depends only on what the client sent, so refusing it now reveals nothing.
    if (message.authzid !== undefined && !isOwnAuthzid(message.authzid, username, this.context.domain)) {
      throw new SaslFailure('invalid-authzid', 'an account may only act as itself (RFC 6120 §6.3.8)');
    }
    // The throttle decides once the username is known (issue #7 §4: per address and username).
    await this.context.admit?.(username);
    // 3. Salt and iteration count of the account, or a fake but stable pair for an unknown user
    //    (RFC 5802 §7: the server may hide the reason for a failure); the failure comes at the end.
    const { credential, isKnown } = await lookUpCredential(this.context, this.hash, username);
    // 4. Combined nonce = client nonce + fresh server nonce.
    const nonce = message.nonce + this.randomNonce();
    const serverFirst = formatServerFirst(nonce, credential.salt, credential.iterations);
    this.pending = {
      username,
      gs2Header: message.gs2Header,
      nonce,
      authMessageStart: `${message.bare},${serverFirst}`,
      storedKey: Buffer.from(credential.storedKey, 'base64'),
      serverKey: Buffer.from(credential.serverKey, 'base64'),
      isKnown,
    };
    return serverFirst;
  }

  /** RFC 5802 §3 and §5: verify client-final-message, answer server-final-message. */
  private serverFinal(clientData: Buffer | undefined): SaslStep {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) throw new SaslFailure('malformed-request', 'client-final-message before client-first-message');
    // 1. Parse (channel binding, nonce, proof); 'm=' is refused there.
    const message = parseClientFinal(clientData);
    // 2. §5.1 `c`: without channel binding, c= is base64 of the exact gs2 header sent earlier.
    //    A different header means the flag or authzid was altered on the way (§6 downgrade).
    if (!message.channelBinding.equals(Buffer.from(pending.gs2Header, 'utf8'))) {
      throw new SaslFailure('not-authorized', 'e=channel-bindings-dont-match (RFC 5802 §5.1 c)');
    }
    // 3. §5.1 `r`: the nonce must be the combined one from server-first.
    if (message.nonce !== pending.nonce) {
      throw new SaslFailure('not-authorized', 'the nonce does not match server-first-message (RFC 5802 §5.1 r)');
    }
    // 4. §3: AuthMessage = client-first-bare "," server-first "," client-final-without-proof;
    //    ClientSignature = HMAC(StoredKey, AuthMessage); ClientKey = ClientProof XOR ClientSignature;
    //    the proof is good when H(ClientKey) = StoredKey (compared in constant time).
    const authMessage = `${pending.authMessageStart},${message.withoutProof}`;
    const clientSignature = hmac(this.hash, pending.storedKey, authMessage);
    if (message.proof.length !== clientSignature.length) {
      throw new SaslFailure('malformed-request', 'the client proof has the wrong length for this hash (RFC 5802 §3)');
    }
    const computedStoredKey = digest(this.hash, xor(message.proof, clientSignature));
    const isProofValid =
      computedStoredKey.length === pending.storedKey.length && timingSafeEqual(computedStoredKey, pending.storedKey);
    // 5. An unknown user fails here, exactly like a wrong password.
    if (!isProofValid || !pending.isKnown) {
      throw new SaslFailure('not-authorized', 'e=invalid-proof (RFC 5802 §5.1 p)');
    }
    // 6. ServerSignature = HMAC(ServerKey, AuthMessage) lets the client authenticate the server.
    const serverSignature = hmac(this.hash, pending.serverKey, authMessage);
    return { kind: 'success', username: pending.username, data: Buffer.from(formatServerFinal(serverSignature), 'utf8') };
  }
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
