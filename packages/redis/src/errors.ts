// The failures of this package (conventions §4: typed values, one registry). Callers see four:
// - RedisUnavailableError (a StoreUnavailableError of core): Redis is down, hung, loading or
//   failing over while the node runs; the caller maps it (stream error internal-server-error with
//   a text, IQ error wait/internal-server-error, HTTP 503) and may retry later.
// - RedisLockTimeoutError (also a StoreUnavailableError): RedisLocks waited past its bound.
// - RedisConnectError: Redis unreachable (or refusing our password) at start; the server prints
//   the message and exits 1 (issue 8 §8).
// - RedisNotPersistentError: cluster mode on a Redis that would lose durable data (issue 8 §2).
// Any other error (a wrong-type reply, a script bug) is a bug and propagates unchanged.
import { StoreUnavailableError } from '@deskchat/core';
import { ErrorReply } from 'redis';

export class RedisUnavailableError extends StoreUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('redis', message, options);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * A lock (RedisLocks) was not acquired within its wait bound: other holders kept it, or Redis was too
 * slow. A StoreUnavailableError too — "try again later" is what a caller should do with it.
 */
export class RedisLockTimeoutError extends StoreUnavailableError {
  constructor(message: string) {
    super('redis', message);
    this.name = 'RedisLockTimeoutError';
  }
}

export class RedisConnectError extends Error {
  constructor(
    message: string,
    /** The URL with its password redacted. */
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RedisConnectError';
  }
}

export class RedisNotPersistentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisNotPersistentError';
  }
}

/** Client-side failures of node-redis that mean "no connection right now" (matched by name: their classes are not all exported). */
const CONNECTION_ERRORS = new Set([
  'ClientOfflineError',
  'ClientClosedError',
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'TimeoutError',
  'ReconnectStrategyError',
  'DisconnectsClientError',
  'AbortError',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * Error replies that mean "this server cannot serve us now" rather than "your command is wrong":
 * LOADING (replaying the AOF after a restart), MASTERDOWN (replica lost its primary), READONLY (we
 * still talk to a primary Sentinel has demoted), TRYAGAIN/CLUSTERDOWN (Cluster resharding or down),
 * BUSY (a script runs too long), NOAUTH/WRONGPASS after a restart with a new password.
 */
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|BUSY|NOAUTH|WRONGPASS)\b/;

/**
 * Error-shaped, whatever realm made it: socket errors come from node core, which under jest's VM
 * modules is another realm than this code, so `instanceof Error` would be false for them.
 */
export function isErrorLike(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string' && typeof (err as Error).name === 'string';
}

/** Whether `err` means Redis cannot be reached or cannot serve right now (as opposed to a bug). */
export function isUnavailability(err: unknown): boolean {
  if (!isErrorLike(err)) return false;
  if (err instanceof RedisUnavailableError) return true;
  if (err instanceof ErrorReply) return UNAVAILABLE_REPLIES.test(err.message);
  if (CONNECTION_ERRORS.has(err.constructor.name) || CONNECTION_ERRORS.has(err.name)) return true;
  // node-redis's Sentinel client (createSentinel) while it finds no Sentinel or no healthy primary.
  if (/^(None of the sentinels are available|no valid master node)/.test(err.message)) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && NETWORK_CODES.has(code);
}
