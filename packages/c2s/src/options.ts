// c2s options: type, defaults and a parser that names the key (conventions §8).
import { checkInteger } from '@deskchat/core';

export interface C2sOptions {
  /** Seconds between whitespace keepalives to a bound client (RFC 6120 §4.6.1). */
  keepaliveInterval: number;
  /** Seconds without any input after which the stream is closed with connection-timeout. */
  idleTimeout: number;
}

export const DEFAULT_C2S_OPTIONS: C2sOptions = { keepaliveInterval: 60, idleTimeout: 600 };

export function parseC2sOptions(raw: Record<string, unknown> | undefined, prefix = 'c2s'): C2sOptions {
  const r = raw ?? {};
  const d = DEFAULT_C2S_OPTIONS;
  return {
    keepaliveInterval: r.keepaliveInterval === undefined ? d.keepaliveInterval : checkInteger(`${prefix}.keepaliveInterval`, r.keepaliveInterval, 1, 3600),
    idleTimeout: r.idleTimeout === undefined ? d.idleTimeout : checkInteger(`${prefix}.idleTimeout`, r.idleTimeout, 5, 86_400),
  };
}
