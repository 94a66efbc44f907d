// BOSH (XEP-0124 §7, §10–§12), HTTP (CORS, proxies) and WebSocket options: types, defaults and
// parsers that throw OptionsError with the key path (conventions §8).
import { OptionsError, checkBoolean, checkInteger } from '@deskchat/core';

export interface BoshOptions {
  /** Seconds a request is held when the client asks for no `wait`; below the 60 s idle timeout of common proxies. */
  defaultWait: number;
  /** Upper bound for the client's `wait` (XEP-0124 §7.2: the response may only lower it). */
  maxWait: number;
  /** Upper bound for the client's `hold`; `requests` is answered as hold + 1. */
  maxHold: number;
  /** Upper bound for `requests` (simultaneous requests, XEP-0124 §11). */
  maxRequests: number;
  /** Seconds without a pending request after which a session ends (XEP-0124 §10). */
  inactivity: number;
  /** Longest pause a client may ask for; 0 disables pausing (XEP-0124 §10). */
  maxPause: number;
  /** Shortest allowed interval between empty requests (XEP-0124 §11, §12); 0 disables the check. */
  polling: number;
  /** Largest request body accepted, in bytes (also bounded by xml.maxStanzaBytes). */
  maxBodyBytes: number;
  /** Payload bytes one response carries at most (at least one stanza); the rest waits for the next request. */
  maxResponseBytes: number;
}

export const DEFAULT_BOSH_OPTIONS: BoshOptions = {
  defaultWait: 30,
  maxWait: 50,
  maxHold: 2,
  maxRequests: 3,
  inactivity: 60,
  maxPause: 120,
  polling: 2,
  maxBodyBytes: 256 * 1024,
  maxResponseBytes: 256 * 1024,
};

export interface HttpOptions {
  /** Origins allowed to use BOSH and WebSocket from a browser on another origin; `*` allows any (an explicit choice). */
  corsOrigins: string[];
  /** Take the client address and scheme from X-Forwarded-For / X-Forwarded-Proto (only behind a trusted reverse proxy). */
  trustProxy: boolean;
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = { corsOrigins: [], trustProxy: false };

export interface WebSocketOptions {
  /** Seconds between WebSocket pings (RFC 6455 §5.5.2). */
  pingInterval: number;
  /** Seconds without any input after which the stream is closed with connection-timeout. */
  idleTimeout: number;
}

export const DEFAULT_WEBSOCKET_OPTIONS: WebSocketOptions = { pingInterval: 60, idleTimeout: 600 };

type Raw = Record<string, unknown> | undefined;

export function parseBoshOptions(raw: Raw, prefix = 'bosh'): BoshOptions {
  const r = raw ?? {};
  const d = DEFAULT_BOSH_OPTIONS;
  const known = Object.keys(d);
  for (const k of Object.keys(r)) if (!known.includes(k)) throw new OptionsError(`${prefix}.${k}`, 'unknown setting');
  const int = (k: keyof BoshOptions, min: number, max: number) => (r[k] === undefined ? d[k] : checkInteger(`${prefix}.${k}`, r[k], min, max));
  const options: BoshOptions = {
    defaultWait: int('defaultWait', 1, 300),
    maxWait: int('maxWait', 1, 300),
    maxHold: int('maxHold', 0, 10),
    maxRequests: int('maxRequests', 1, 11),
    inactivity: int('inactivity', 2, 3600),
    maxPause: int('maxPause', 0, 3600),
    polling: int('polling', 0, 60),
    maxBodyBytes: int('maxBodyBytes', 1024, 64 * 1024 * 1024),
    maxResponseBytes: int('maxResponseBytes', 1024, 64 * 1024 * 1024),
  };
  if (options.defaultWait > options.maxWait) throw new OptionsError(`${prefix}.defaultWait`, `must not exceed ${prefix}.maxWait (${options.maxWait})`);
  if (options.maxHold >= options.maxRequests) throw new OptionsError(`${prefix}.maxHold`, `must be below ${prefix}.maxRequests (${options.maxRequests}): requests is hold + 1`);
  return options;
}

/** `corsOrigins` as a YAML list or a comma-separated string (DESKCHAT_CORS_ORIGINS). */
export function parseHttpOptions(raw: Raw, prefix = 'http'): HttpOptions {
  const r = raw ?? {};
  const key = `${prefix}.corsOrigins`;
  let list: unknown = r.corsOrigins ?? [];
  if (typeof list === 'string') list = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(list)) throw new OptionsError(key, 'must be a list of origins such as https://finesse.example.com, or *');
  const corsOrigins = list.map((value, i) => checkOrigin(`${key}[${i}]`, value));
  return { corsOrigins, trustProxy: r.trustProxy === undefined ? false : checkBoolean(`${prefix}.trustProxy`, r.trustProxy) };
}

function checkOrigin(key: string, value: unknown): string {
  if (value === '*') return value;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  // An origin is scheme://host[:port] with nothing after it (RFC 6454 §6.2).
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== String(value).replace(/\/$/, '')) {
    throw new OptionsError(key, `must be an origin such as https://finesse.example.com, or * (got ${JSON.stringify(value)})`);
  }
  return url.origin;
}
