// Which browser origins may use BOSH and WebSocket (Fetch standard CORS; RFC 6455 §10.2 Origin):
// the configured list, `*` only when an administrator wrote it, and always the server's own origin.

/** `undefined`: not a cross-origin browser request (no Origin, or our own origin) — nothing to add. */
export type OriginDecision = string | undefined | false;

export class OriginPolicy {
  private readonly origins: Set<string>;
  private readonly isAnyAllowed: boolean;

  constructor(corsOrigins: readonly string[]) {
    this.isAnyAllowed = corsOrigins.includes('*');
    this.origins = new Set(corsOrigins.filter((o) => o !== '*'));
  }

  /**
   * The Access-Control-Allow-Origin value for a request from `origin` to `host` (the Host header),
   * undefined when none is needed, or false when the origin is refused.
   */
  decide(origin: string | undefined, host: string | undefined): OriginDecision {
    if (origin === undefined || origin === '') return undefined;
    if (this.origins.has(origin)) return origin;
    if (isSameOrigin(origin, host)) return undefined;
    return this.isAnyAllowed ? '*' : false;
  }
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // "null" and other opaque origins
  }
}

/** Headers of an answered preflight (only what a BOSH client needs: POST with a Content-Type). */
export const PREFLIGHT_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '86400',
};
