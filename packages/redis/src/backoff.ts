// Reconnection delays: exponential backoff with "equal jitter" (half fixed, half random), so that
// the nodes of a cluster that all lost Redis at once do not reconnect in lockstep when it returns.

export interface BackoffOptions {
  minDelayMs: number;
  maxDelayMs: number;
}

/** The delay before reconnection attempt `attempt` (0-based): min·2^attempt capped at max, then jittered into [half, whole]. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
