// Writing BOSH responses (to node's ServerResponse or the wire's lean response), and reading request
// bodies within a limit.
import type { IncomingMessage } from 'node:http';
import type { BoshResponse } from './bosh-response.js';

export function writeReply(res: BoshResponse, status: number, contentType: string, body: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** A body read within its limit, or the first bytes of one that was not (to find its session). */
export type BodyRead = { bytes: Buffer; prefix?: undefined } | { bytes?: undefined; prefix: Buffer };

/** How much of the start of a body is looked at to decide its limit (the `<body ...>` tag with its sid). */
const PREFIX_BYTES = 1024;

/**
 * The whole request body, or its first bytes when it is larger than its limit (the rest is
 * discarded unread). `limitFor` gets the start of the body (up to the end of the first tag, or
 * 1 KB) and returns the limit: a stream that has not authenticated gets a smaller one.
 */
export function readBody(req: IncomingMessage, maxLimit: number, limitFor: (prefix: Buffer) => number = () => maxLimit): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']); // NaN when absent (chunked)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let limit: number | undefined; // decided once the first tag (or 1 KB) is in
    const head = () => Buffer.concat(chunks, size).subarray(0, PREFIX_BYTES);
    const decide = () => (limit = Math.min(maxLimit, limitFor(head())));
    const tooLarge = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', reject);
      req.resume(); // the rest is discarded unread
      resolve({ prefix: head() });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (limit === undefined && (size >= PREFIX_BYTES || chunk.includes(0x3e))) {
        if (declared > decide()) return tooLarge();
      }
      if (size > (limit ?? maxLimit)) tooLarge();
    };
    const onEnd = () => {
      // A held request's IncomingMessage lives as long as its response: keep nothing of the read alive.
      req.removeListener('data', onData);
      req.removeListener('error', reject);
      if (size > (limit ?? decide())) return resolve({ prefix: head() });
      resolve({ bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) });
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

/** readBody's answer for a body that is already whole (the BOSH wire reads bodies itself). */
export function bodyWithin(body: Buffer, maxLimit: number, limitFor: (prefix: Buffer) => number): BodyRead {
  const prefix = body.subarray(0, PREFIX_BYTES);
  return body.length > Math.min(maxLimit, limitFor(prefix)) ? { prefix } : { bytes: body };
}

/**
 * The sid of a BOSH body from its first bytes, without parsing it (it may be too large or not XML):
 * so that such a request ends its session at once instead of leaving a gap in the rids (issue #7 §3).
 */
export function sidHint(prefix: Buffer): string | undefined {
  const text = prefix.toString('latin1');
  const start = text.indexOf('<body');
  if (start < 0) return undefined;
  const end = text.indexOf('>', start);
  const tag = text.slice(start, end < 0 ? undefined : end);
  return /\ssid\s*=\s*(['"])([A-Za-z0-9_-]{1,64})\1/.exec(tag)?.[2];
}
