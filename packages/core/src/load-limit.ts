// Load limits per node (design §7; Genesys Chat Server's limit-for-sessions with
// limits-restore-threshold): once `max` sessions are bound on this node it refuses new sign-ins
// until the count is back at or under `restore`; existing sessions are never dropped for it.
// The hysteresis keeps a node near its limit from flapping between accepting and refusing.
import { StreamError } from '@deskchat/protocol';
import { OptionsError, checkInteger } from './options.js';

export interface LoadLimits {
  /** Bound sessions at which the node starts refusing sign-ins; 0 = no limit. */
  maxSessionsPerNode: number;
  /** Bound sessions at or under which a refusing node accepts sign-ins again (≤ max). */
  restoreSessionsPerNode: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxSessionsPerNode: 0, restoreSessionsPerNode: 0 };

/** The text of the refusal; BOSH sends it with a policy-violation terminate, TCP and WebSocket with resource-constraint. */
export const LOAD_LIMIT_TEXT = 'this node is at its session limit (limits.maxSessionsPerNode); try another server or try again later';

/** Validates load limits from the config file or the admin API; `restore` defaults to 90% of `max`. */
export function parseLoadLimits(raw: Record<string, unknown>, prefix = 'limits'): LoadLimits {
  const max = raw.maxSessionsPerNode === undefined ? 0 : checkInteger(`${prefix}.maxSessionsPerNode`, raw.maxSessionsPerNode, 0, 10_000_000);
  const restore = raw.restoreSessionsPerNode === undefined ? Math.floor(max * 0.9) : checkInteger(`${prefix}.restoreSessionsPerNode`, raw.restoreSessionsPerNode, 0, 10_000_000);
  if (max > 0 && restore > max) throw new OptionsError(`${prefix}.restoreSessionsPerNode`, `must not be more than maxSessionsPerNode (${max})`);
  if (max === 0 && raw.restoreSessionsPerNode !== undefined && restore !== 0) throw new OptionsError(`${prefix}.restoreSessionsPerNode`, 'needs maxSessionsPerNode');
  return { maxSessionsPerNode: max, restoreSessionsPerNode: restore };
}

export class SessionLoadLimit {
  private limits: LoadLimits;
  private isRefusing = false;
  /** Sign-ins refused since start (a metric). */
  refusals = 0;

  constructor(limits: LoadLimits = DEFAULT_LOAD_LIMITS) {
    this.limits = { ...limits };
  }

  get current(): LoadLimits {
    return { ...this.limits };
  }

  /** New limits at run time (admin API); the refusing state is re-evaluated on the next sign-in. */
  configure(limits: LoadLimits): void {
    this.limits = { ...limits };
    this.isRefusing = false;
  }

  /** Whether the node refuses sign-ins with `sessions` bound now (for /readyz and metrics). */
  isAtLimit(sessions: number): boolean {
    const { maxSessionsPerNode: max, restoreSessionsPerNode: restore } = this.limits;
    if (max === 0) return (this.isRefusing = false);
    if (sessions >= max) this.isRefusing = true;
    else if (sessions <= restore) this.isRefusing = false;
    return this.isRefusing;
  }

  /** Throws the refusal when a sign-in must not start with `sessions` bound (counted). */
  admit(sessions: number): void {
    if (!this.isAtLimit(sessions)) return;
    this.refusals++;
    throw new StreamError('resource-constraint', LOAD_LIMIT_TEXT);
  }
}
