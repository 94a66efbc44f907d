// XEP-0124 §11 (overactivity) and §12 (polling sessions) for one session: whether a new request
// (not a repeat) breaks the rules. Pure: the caller passes the time and what is open.
import type { BoshRequest } from './body-reader.js';

export interface ActivityLimits {
  requests: number;
  hold: number;
  /** Seconds; 0 disables the timing rules. */
  polling: number;
}

export class ActivityRules {
  private lastNewAt = -Infinity;
  private lastEmptyRid = 0;
  private isLastEmptyAnsweredEmpty = false;

  constructor(private readonly limits: ActivityLimits) {}

  /**
   * @param open requests received and not answered yet, this one excluded
   * @param isPauseOrTerminateOpen whether one of those open requests pauses or terminates
   * @param isLatest whether no open request has a higher rid: an empty poll that arrives after
   *   the client's next request (two connections, out of order) is not "the last request" of §11
   * @returns the rule broken, if any
   */
  check(request: BoshRequest, open: number, isPauseOrTerminateOpen: boolean, now: number, isLatest = true): string | undefined {
    const { requests, hold, polling } = this.limits;
    const isPauseOrTerminate = request.isTerminate || request.pause !== undefined;
    const isEmpty = request.payloads.length === 0 && !request.isRestart && !isPauseOrTerminate;
    const isTooSoon = polling > 0 && now - this.lastNewAt < polling * 1000;
    const wasLastEmptyAnsweredEmpty = this.lastEmptyRid === request.rid - 1 && this.isLastEmptyAnsweredEmpty;
    this.lastNewAt = now;
    this.lastEmptyRid = isEmpty ? request.rid : 0;
    this.isLastEmptyAnsweredEmpty = false;
    // §11: more simultaneous requests than `requests`; one more is allowed if it pauses or terminates.
    if (open + 1 > requests + (isPauseOrTerminate || isPauseOrTerminateOpen ? 1 : 0)) {
      return `more than ${requests} simultaneous requests (XEP-0124 §11)`;
    }
    if (!isEmpty || !isTooSoon || !isLatest) return undefined;
    // §11: `requests` open at once, the last one empty and sent within `polling` of the one before.
    if (hold > 0 && open + 1 === requests) {
      return `${requests} open requests, the last empty and sent within ${polling} s of the previous one (XEP-0124 §11)`;
    }
    // §12: a polling session polled again within `polling` after an answer without payloads.
    if (hold === 0 && wasLastEmptyAnsweredEmpty) return `empty polls more often than every ${polling} s (XEP-0124 §12)`;
    return undefined;
  }

  /** The response to `rid` was sent; `hadPayload` tells whether it carried anything. */
  answered(rid: number, hadPayload: boolean): void {
    if (rid === this.lastEmptyRid) this.isLastEmptyAnsweredEmpty = !hadPayload;
  }
}
