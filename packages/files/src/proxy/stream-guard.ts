// One direction of a relayed bytestream, held to the policy: a size cap, a rate limit, and a
// content check of the first bytes (issue #10: "a size cap from the policy, a rate limit").
// A Transform between the two sockets, so that `pipe` keeps its backpressure: a chunk is passed
// on only when the rate allows, and nothing is buffered beyond the sniffed head.
import { Transform, type TransformCallback } from 'node:stream';
import { SNIFF_BYTES } from '../policy/sniff.js';
import type { Refusal } from '../refusals.js';

export interface GuardLimits {
  /** Bytes this direction may carry. */
  maxBytes: number;
  /** Bytes per second; 0 = unlimited. */
  bytesPerSecond: number;
  /** Judges the first bytes (up to SNIFF_BYTES, or all of a shorter stream). */
  checkHead?: (head: Uint8Array) => Refusal | undefined;
}

export class GuardError extends Error {
  constructor(readonly reason: 'too-large' | 'content', message: string) {
    super(message);
    this.name = 'GuardError';
  }
}

export class StreamGuard extends Transform {
  bytes = 0;
  private head: Buffer[] | undefined;
  private headLength = 0;
  /** When the first byte came: the rate is measured from there, not from the wait for activation. */
  private startedAt: number | undefined;

  constructor(private readonly limits: GuardLimits) {
    super();
    this.head = limits.checkHead ? [] : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.startedAt ??= Date.now();
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBytes) return done(new GuardError('too-large', `more than ${this.limits.maxBytes} bytes (files.maxBytes)`));
    let out = chunk;
    if (this.head) {
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (this.headLength < SNIFF_BYTES) return done();
      const taken = this.takeHead();
      if (taken instanceof GuardError) return done(taken);
      out = taken;
    }
    // Passed on only when the bytes so far are due at the rate: never early, so the source is held back.
    this.pace(() => {
      this.push(out);
      done();
    });
  }

  override _flush(done: TransformCallback): void {
    if (!this.head) return done();
    const taken = this.takeHead();
    if (taken instanceof GuardError) return done(taken);
    if (taken.length > 0) this.push(taken);
    done();
  }

  private takeHead(): Buffer | GuardError {
    const head = Buffer.concat(this.head!);
    this.head = undefined;
    const refusal = this.limits.checkHead!(head.subarray(0, SNIFF_BYTES));
    return refusal ? new GuardError('content', refusal.text) : head;
  }

  private pace(next: () => void): void {
    const rate = this.limits.bytesPerSecond;
    const wait = rate > 0 ? this.startedAt! + (this.bytes / rate) * 1000 - Date.now() : 0;
    if (wait <= 0) return next();
    setTimeout(next, wait);
  }
}
