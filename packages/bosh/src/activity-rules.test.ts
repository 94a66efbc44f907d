// XEP-0124 §11 overactivity and §12 polling as a pure unit: which new request breaks the rules.
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { ActivityRules } from './activity-rules.js';
import type { BoshRequest } from './body-reader.js';

const request = (rid: number, extra: Partial<BoshRequest> = {}): BoshRequest => ({
  rid,
  isTerminate: false,
  isRestart: false,
  payloads: [],
  attrs: {},
  ...extra,
});
const withPayload = (rid: number) => request(rid, { payloads: [xml('presence')] });

describe('ActivityRules (XEP-0124 §11, §12)', () => {
  it('allows `requests` open requests and refuses one more (§11)', () => {
    const rules = new ActivityRules({ requests: 2, hold: 1, polling: 2 });
    expect(rules.check(withPayload(1), 1, false, 10_000)).toBeUndefined();
    expect(rules.check(withPayload(2), 2, false, 20_000)).toMatch(/more than 2 simultaneous requests/);
  });

  it('allows one extra request that pauses or terminates, whichever of them arrived first (§11)', () => {
    const rules = new ActivityRules({ requests: 2, hold: 1, polling: 2 });
    expect(rules.check(request(1, { isTerminate: true }), 2, false, 10_000)).toBeUndefined();
    expect(rules.check(withPayload(2), 2, true, 20_000)).toBeUndefined();
    expect(rules.check(request(3, { pause: 30 }), 3, false, 30_000)).toMatch(/simultaneous/);
  });

  it('refuses an empty request that fills `requests` within `polling` of the previous one (§11)', () => {
    const rules = new ActivityRules({ requests: 2, hold: 1, polling: 2 });
    rules.check(request(1), 0, false, 10_000);
    expect(rules.check(request(2), 1, false, 11_000)).toMatch(/XEP-0124 §11/);
  });

  it('accepts an empty poll that arrives after the next request of the same client (two connections, out of order)', () => {
    const rules = new ActivityRules({ requests: 2, hold: 1, polling: 2 });
    rules.check(request(1), 0, false, 10_000);
    // rid 3 (with a stanza) overtook rid 2 (the empty poll): rid 2 is not the last request.
    expect(rules.check(withPayload(3), 1, false, 10_050)).toBeUndefined();
    expect(rules.check(request(2), 1, false, 10_060, false)).toBeUndefined();
  });

  it('accepts the same empty request after `polling` has passed, or when it carries payloads', () => {
    const rules = new ActivityRules({ requests: 2, hold: 1, polling: 2 });
    rules.check(request(1), 0, false, 10_000);
    expect(rules.check(request(2), 1, false, 12_000)).toBeUndefined();
    expect(rules.check(withPayload(3), 1, false, 12_100)).toBeUndefined();
  });

  it('refuses a second empty poll within `polling` after an answer with no payloads in a polling session (§12)', () => {
    const rules = new ActivityRules({ requests: 1, hold: 0, polling: 2 });
    rules.check(request(1), 0, false, 10_000);
    rules.answered(1, false);
    expect(rules.check(request(2), 0, false, 11_000)).toMatch(/XEP-0124 §12/);
  });

  it('accepts a quick second poll when the first answer carried payloads (§12)', () => {
    const rules = new ActivityRules({ requests: 1, hold: 0, polling: 2 });
    rules.check(request(1), 0, false, 10_000);
    rules.answered(1, true);
    expect(rules.check(request(2), 0, false, 10_500)).toBeUndefined();
  });

  it('applies no timing rule when polling is 0', () => {
    const rules = new ActivityRules({ requests: 2, hold: 1, polling: 0 });
    rules.check(request(1), 0, false, 10_000);
    expect(rules.check(request(2), 1, false, 10_000)).toBeUndefined();
  });
});
