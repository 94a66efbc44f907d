// The XEP-0065 SOCKS5 bytestreams proxy as a `net.Server` factory (the server package listens on
// files.proxyPort). XEP-0065 §6 with RFC 1928:
//   1. Each party connects, offers the "no authentication" method (§6.3.2) and sends CONNECT to the
//      domain name SHA1(sid + requester JID + target JID) in hex, port 0.
//   2. The proxy answers success and holds the connection: the first with a hash is the target's
//      (the target connects first, §6.3.2), the second the requester's; any more are refused.
//   3. The requester asks the proxy, over XMPP, to activate (§6.3.3); the proxy module checks the
//      policy and the negotiation and calls `activate`, which relays the two sockets through a
//      StreamGuard each way (size cap, rate limit, content check of the first bytes).
// A pair that is not activated within idleSeconds, or an active stream silent that long, is closed.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { pipeline } from 'node:stream';
import type { Logger } from '@deskchat/core';
import type { Refusal } from '../refusals.js';
import { GuardError, StreamGuard } from './stream-guard.js';

const VERSION = 0x05;
const NO_AUTH = 0x00;
const NO_ACCEPTABLE_METHOD = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_DOMAIN = 0x03;
const REPLY = { succeeded: 0x00, failure: 0x01, notAllowed: 0x02, commandNotSupported: 0x07, addressNotSupported: 0x08 } as const;
/** A SHA-1 in hex. */
const HASH = /^[0-9a-f]{40}$/;

export interface Socks5ProxyOptions {
  idleSeconds: number;
  maxStreams: number;
  bytesPerSecond: number;
  log?: Logger;
}

export interface Activation {
  /** Bytes each direction may carry (files.maxBytes). */
  maxBytes: number;
  /** Judges the first bytes the requester sends. */
  checkHead?: (head: Uint8Array) => Refusal | undefined;
}

export type ActivationResult = 'activated' | 'not-connected' | 'already-active';

interface Pair {
  target?: net.Socket;
  requester?: net.Socket;
  isActive: boolean;
  timer?: NodeJS.Timeout;
}

/** XEP-0065 §5.3.2: the DST.ADDR both parties connect to. */
export function streamHash(sid: string, requester: string, target: string): string {
  return createHash('sha1').update(sid + requester + target, 'utf8').digest('hex');
}

export class Socks5Proxy {
  readonly server: net.Server;
  private readonly pairs = new Map<string, Pair>();
  private readonly sockets = new Set<net.Socket>();
  private readonly relayed = new WeakSet<net.Socket>();

  constructor(private readonly options: Socks5ProxyOptions) {
    // Half-open sockets: the requester's FIN ends only its direction; the other may still carry
    // bytes (pipeline ends each side once its direction is done).
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  /** Streams (pairs) held now, waiting or active. */
  get streamCount(): number {
    return this.pairs.size;
  }

  /** The port it listens on (0 before it listens). */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** §6.3.3: relays the two connections of `hash`, once both are there. */
  activate(hash: string, activation: Activation): ActivationResult {
    const pair = this.pairs.get(hash);
    if (!pair?.target || !pair.requester) return 'not-connected';
    if (pair.isActive) return 'already-active';
    pair.isActive = true;
    clearTimeout(pair.timer);
    const { target, requester } = pair;
    const idleMs = this.options.idleSeconds * 1000;
    const upstream = new StreamGuard({ maxBytes: activation.maxBytes, bytesPerSecond: this.options.bytesPerSecond, ...(activation.checkHead ? { checkHead: activation.checkHead } : {}) });
    const downstream = new StreamGuard({ maxBytes: activation.maxBytes, bytesPerSecond: this.options.bytesPerSecond });
    // A clean end travels on (the requester's FIN ends the target's side once the guard flushed);
    // a failure, or the policy stopping a direction, closes both.
    const finished = (direction: string) => (error?: Error | null) => {
      if (!error) return;
      if (error instanceof GuardError) this.options.log?.info({ hash, direction, reason: error.message }, 'SOCKS5 stream stopped by the policy');
      requester.destroy();
      target.destroy();
    };
    this.relayed.add(target);
    this.relayed.add(requester);
    pipeline(requester, upstream, target, finished('requester to target'));
    pipeline(target, downstream, requester, finished('target to requester'));
    let open = 2;
    for (const socket of [target, requester]) {
      socket.setTimeout(idleMs, () => socket.destroy());
      socket.once('close', () => {
        if (--open === 0) this.drop(hash, pair);
      });
    }
    return 'activated';
  }

  /** Closes the server and every connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    // Two pipelines (one as source, one as destination) and the pairing each listen for 'close'.
    socket.setMaxListeners(20);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Half-open is for relayed streams only: a party leaving before activation is gone.
    socket.once('end', () => {
      if (!this.relayed.has(socket)) socket.destroy();
    });
    socket.setTimeout(this.options.idleSeconds * 1000, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let stage: 'greeting' | 'request' = 'greeting';
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > 600) return socket.destroy(); // a greeting and a request fit in 2+255+7+255 bytes
      if (stage === 'greeting') {
        // RFC 1928 §3: VER NMETHODS METHODS…
        if (buffered.length < 2) return;
        const count = buffered[1]!;
        if (buffered.length < 2 + count) return;
        if (buffered[0] !== VERSION || !buffered.subarray(2, 2 + count).includes(NO_AUTH)) {
          socket.end(Buffer.from([VERSION, NO_ACCEPTABLE_METHOD]));
          return;
        }
        socket.write(Buffer.from([VERSION, NO_AUTH]));
        buffered = buffered.subarray(2 + count);
        stage = 'request';
      }
      // RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT, the address a length-prefixed name.
      if (buffered.length < 5) return;
      const length = buffered[4]!;
      if (buffered.length < 5 + length + 2) return;
      socket.off('data', onData);
      socket.pause();
      // Anything sent after the request waits for activation (the relay reads it first).
      const rest = buffered.subarray(5 + length + 2);
      if (rest.length > 0) socket.unshift(rest);
      const address = buffered.subarray(5, 5 + length).toString('latin1');
      const reply = this.register(socket, buffered[1]!, buffered[3]!, address);
      const answer = Buffer.concat([Buffer.from([VERSION, reply, 0x00, ATYP_DOMAIN, length]), buffered.subarray(5, 5 + length), Buffer.from([0, 0])]);
      if (reply === REPLY.succeeded) socket.write(answer);
      else socket.end(answer);
    };
    socket.on('data', onData);
  }

  /** Files the connection under its hash; returns the SOCKS5 reply code. */
  private register(socket: net.Socket, command: number, addressType: number, hash: string): number {
    if (command !== CMD_CONNECT) return REPLY.commandNotSupported;
    if (addressType !== ATYP_DOMAIN) return REPLY.addressNotSupported;
    if (!HASH.test(hash)) return REPLY.notAllowed;
    let pair = this.pairs.get(hash);
    if (!pair) {
      if (this.pairs.size >= this.options.maxStreams) {
        this.options.log?.warn({ maxStreams: this.options.maxStreams }, 'SOCKS5 proxy full (files.proxyMaxStreams)');
        return REPLY.failure;
      }
      pair = { isActive: false };
      this.pairs.set(hash, pair);
      const waiting = pair;
      pair.timer = setTimeout(() => this.expire(hash, waiting), this.options.idleSeconds * 1000);
      pair.timer.unref?.();
    }
    if (!pair.target) pair.target = socket;
    else if (!pair.requester) pair.requester = socket;
    else return REPLY.notAllowed;
    const held = pair;
    socket.once('close', () => {
      if (!held.isActive) this.drop(hash, held);
    });
    return REPLY.succeeded;
  }

  private expire(hash: string, pair: Pair): void {
    if (pair.isActive) return;
    pair.target?.destroy();
    pair.requester?.destroy();
    this.drop(hash, pair);
  }

  private drop(hash: string, pair: Pair): void {
    clearTimeout(pair.timer);
    if (this.pairs.get(hash) === pair) this.pairs.delete(hash);
    pair.target?.destroy();
    pair.requester?.destroy();
  }
}
