// Open-loop pacing: events are due at fixed times (start + k / rate) whatever the server does, and
// nothing waits for the server, so a slow server shows up as latency instead of silently lowering
// the offered load (no coordinated omission). A timer wakes every millisecond or so and fires
// everything that fell due since. How late the generator fires (its own lag, reported separately)
// shows when the generator is saturated.
import { epochNow } from './phase-report.js';

/** How many more events are due after `elapsedMs` at `ratePerSecond` when `scheduled` already were (the first is due at 0). */
export function dueCount(ratePerSecond: number, elapsedMs: number, scheduled: number, maxCount: number): number {
  if (ratePerSecond <= 0 || elapsedMs < 0) return 0;
  const target = Math.min(maxCount, Math.floor((ratePerSecond * elapsedMs) / 1000) + 1);
  return Math.max(0, target - scheduled);
}

export interface PaceOptions {
  ratePerSecond: number;
  durationMs: number;
  maxCount: number;
  tickMs?: number;
  /** Fires event number k, due at `dueAt` and fired at `now` (epoch ms; now − dueAt is the generator's own lag). */
  onDue(k: number, dueAt: number, now: number): void;
}

/** Runs until the duration is over or maxCount events fired; resolves with the number fired. */
export function pace(options: PaceOptions): Promise<number> {
  const { ratePerSecond, durationMs, maxCount, tickMs = 1 } = options;
  // Events due before the end of the duration; the one due exactly at the end belongs to the next run.
  const limit = Math.min(maxCount, Math.ceil((ratePerSecond * durationMs) / 1000));
  const start = epochNow();
  let fired = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = epochNow();
      const elapsed = Math.min(now - start, durationMs);
      const due = dueCount(ratePerSecond, elapsed, fired, limit);
      for (let i = 0; i < due; i++) {
        options.onDue(fired, start + (fired * 1000) / ratePerSecond, now);
        fired++;
      }
      if (now - start >= durationMs || fired >= limit) {
        clearInterval(timer);
        resolve(fired);
      }
    };
    const timer = setInterval(tick, tickMs);
    tick();
  });
}
