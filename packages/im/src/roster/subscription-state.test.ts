// Every row of the RFC 6121 Appendix A.2 (outbound) and A.3 (inbound) state tables, the §3.4
// pre-approval cases and the §2.5.2 removal notices. The expected tables are written out here
// again, row by row as the RFC prints them, rather than read from the implementation.
import { describe, expect, it } from '@jest/globals';
import {
  DEFINED_STATES,
  inbound,
  nameOf,
  outbound,
  removalNotices,
  stateOf,
  type DefinedState,
  type SubscriptionType,
} from './subscription-state.js';

/** [section, existing state, route/deliver?, new state ('no state change' kept as the RFC prints it)] */
type Row = [string, DefinedState, 'yes' | 'no', DefinedState | 'no state change'];

const OUTBOUND_ROWS: Record<SubscriptionType, Row[]> = {
  subscribe: [
    ['A.2.1', 'None', 'yes', 'None + Pending Out'],
    ['A.2.1', 'None + Pending Out', 'yes', 'no state change'],
    ['A.2.1', 'None + Pending In', 'yes', 'None + Pending Out/In'],
    ['A.2.1', 'None + Pending Out/In', 'yes', 'no state change'],
    ['A.2.1', 'To', 'yes', 'no state change'],
    ['A.2.1', 'To + Pending In', 'yes', 'no state change'],
    ['A.2.1', 'From', 'yes', 'From + Pending Out'],
    ['A.2.1', 'From + Pending Out', 'yes', 'no state change'],
    ['A.2.1', 'Both', 'yes', 'no state change'],
  ],
  unsubscribe: [
    ['A.2.2', 'None', 'yes', 'no state change'],
    ['A.2.2', 'None + Pending Out', 'yes', 'None'],
    ['A.2.2', 'None + Pending In', 'yes', 'no state change'],
    ['A.2.2', 'None + Pending Out/In', 'yes', 'None + Pending In'],
    ['A.2.2', 'To', 'yes', 'None'],
    ['A.2.2', 'To + Pending In', 'yes', 'None + Pending In'],
    ['A.2.2', 'From', 'yes', 'no state change'],
    ['A.2.2', 'From + Pending Out', 'yes', 'From'],
    ['A.2.2', 'Both', 'yes', 'From'],
  ],
  subscribed: [
    ['A.2.3', 'None', 'no', 'no state change'],
    ['A.2.3', 'None + Pending Out', 'no', 'no state change'],
    ['A.2.3', 'None + Pending In', 'yes', 'From'],
    ['A.2.3', 'None + Pending Out/In', 'yes', 'From + Pending Out'],
    ['A.2.3', 'To', 'no', 'no state change'],
    ['A.2.3', 'To + Pending In', 'yes', 'Both'],
    ['A.2.3', 'From', 'no', 'no state change'],
    ['A.2.3', 'From + Pending Out', 'no', 'no state change'],
    ['A.2.3', 'Both', 'no', 'no state change'],
  ],
  unsubscribed: [
    ['A.2.4', 'None', 'no', 'no state change'],
    ['A.2.4', 'None + Pending Out', 'no', 'no state change'],
    ['A.2.4', 'None + Pending In', 'yes', 'None'],
    ['A.2.4', 'None + Pending Out/In', 'yes', 'None + Pending Out'],
    ['A.2.4', 'To', 'no', 'no state change'],
    ['A.2.4', 'To + Pending In', 'yes', 'To'],
    ['A.2.4', 'From', 'yes', 'None'],
    ['A.2.4', 'From + Pending Out', 'yes', 'None + Pending Out'],
    ['A.2.4', 'Both', 'yes', 'To'],
  ],
};

const INBOUND_ROWS: Record<SubscriptionType, Row[]> = {
  subscribe: [
    ['A.3.1', 'None', 'yes', 'None + Pending In'],
    ['A.3.1', 'None + Pending Out', 'yes', 'None + Pending Out/In'],
    ['A.3.1', 'None + Pending In', 'no', 'no state change'],
    ['A.3.1', 'None + Pending Out/In', 'no', 'no state change'],
    ['A.3.1', 'To', 'yes', 'To + Pending In'],
    ['A.3.1', 'To + Pending In', 'no', 'no state change'],
    ['A.3.1', 'From', 'no', 'no state change'],
    ['A.3.1', 'From + Pending Out', 'no', 'no state change'],
    ['A.3.1', 'Both', 'no', 'no state change'],
  ],
  unsubscribe: [
    ['A.3.2', 'None', 'no', 'no state change'],
    ['A.3.2', 'None + Pending Out', 'no', 'no state change'],
    ['A.3.2', 'None + Pending In', 'yes', 'None'],
    ['A.3.2', 'None + Pending Out/In', 'yes', 'None + Pending Out'],
    ['A.3.2', 'To', 'no', 'no state change'],
    ['A.3.2', 'To + Pending In', 'yes', 'To'],
    ['A.3.2', 'From', 'yes', 'None'],
    ['A.3.2', 'From + Pending Out', 'yes', 'None + Pending Out'],
    ['A.3.2', 'Both', 'yes', 'To'],
  ],
  subscribed: [
    ['A.3.3', 'None', 'no', 'no state change'],
    ['A.3.3', 'None + Pending Out', 'yes', 'To'],
    ['A.3.3', 'None + Pending In', 'no', 'no state change'],
    ['A.3.3', 'None + Pending Out/In', 'yes', 'To + Pending In'],
    ['A.3.3', 'To', 'no', 'no state change'],
    ['A.3.3', 'To + Pending In', 'no', 'no state change'],
    ['A.3.3', 'From', 'no', 'no state change'],
    ['A.3.3', 'From + Pending Out', 'yes', 'Both'],
    ['A.3.3', 'Both', 'no', 'no state change'],
  ],
  unsubscribed: [
    ['A.3.4', 'None', 'no', 'no state change'],
    ['A.3.4', 'None + Pending Out', 'yes', 'None'],
    ['A.3.4', 'None + Pending In', 'no', 'no state change'],
    ['A.3.4', 'None + Pending Out/In', 'yes', 'None + Pending In'],
    ['A.3.4', 'To', 'yes', 'None'],
    ['A.3.4', 'To + Pending In', 'yes', 'None + Pending In'],
    ['A.3.4', 'From', 'no', 'no state change'],
    ['A.3.4', 'From + Pending Out', 'yes', 'From'],
    ['A.3.4', 'Both', 'yes', 'From'],
  ],
};

const expected = (existing: DefinedState, next: Row[3]) => (next === 'no state change' ? existing : next);

describe('defined states (RFC 6121 Appendix A.1)', () => {
  it('names each of the nine states back from its flags', () => {
    for (const name of DEFINED_STATES) expect(nameOf(stateOf(name))).toBe(name);
    expect(DEFINED_STATES).toHaveLength(9);
  });
});

for (const type of ['subscribe', 'unsubscribe', 'subscribed', 'unsubscribed'] as const) {
  describe(`outbound "${type}" (RFC 6121 Appendix A.2)`, () => {
    it.each(OUTBOUND_ROWS[type])('%s row "%s": route %s, new state %s', (_section, existing, route, next) => {
      const result = outbound(stateOf(existing), type);
      expect(nameOf(result.state)).toBe(expected(existing, next));
      expect(result.isRouted).toBe(route === 'yes');
      // §3.4.1: with no request waiting and no subscription from the contact, 'subscribed' pre-approves.
      expect(result.state.isPreApproved).toBe(type === 'subscribed' && route === 'no' && ['None', 'None + Pending Out', 'To'].includes(existing));
    });
  });

  describe(`inbound "${type}" (RFC 6121 Appendix A.3)`, () => {
    it.each(INBOUND_ROWS[type])('%s row "%s": deliver %s, new state %s', (_section, existing, deliver, next) => {
      const result = inbound(stateOf(existing), type);
      expect(nameOf(result.state)).toBe(expected(existing, next));
      expect(result.isDelivered).toBe(deliver === 'yes');
      // A.3.1 note: in a state with a subscription from the contact the server auto-replies 'subscribed'.
      const isAutoReplied = type === 'subscribe' && ['From', 'From + Pending Out', 'Both'].includes(existing);
      expect(result.isAutoApproved).toBe(isAutoReplied);
    });
  });
}

describe('pre-approval (RFC 6121 §3.4)', () => {
  it.each(['None', 'None + Pending Out', 'To'] as const)('§3.4.1: "subscribed" in "%s" pre-approves without routing', (existing) => {
    expect(outbound(stateOf(existing), 'subscribed')).toEqual({ state: stateOf(existing, true), isRouted: false });
  });

  it.each([
    ['None', 'From'],
    ['None + Pending Out', 'From + Pending Out'],
    ['To', 'Both'],
  ] as const)('§3.4.2: a request in pre-approved "%s" is approved at once ("%s"), not delivered, and the pre-approval is used up', (existing, next) => {
    expect(inbound(stateOf(existing, true), 'subscribe')).toEqual({ state: stateOf(next), isDelivered: false, isAutoApproved: true });
  });

  it.each(['None', 'None + Pending Out', 'To'] as const)('§3.4: "unsubscribed" in pre-approved "%s" cancels the pre-approval without routing', (existing) => {
    expect(outbound(stateOf(existing, true), 'unsubscribed')).toEqual({ state: stateOf(existing), isRouted: false });
  });

  it('keeps a pre-approval through changes that do not give the contact a subscription (A.3.3 row "None + Pending Out")', () => {
    expect(inbound(stateOf('None + Pending Out', true), 'subscribed').state).toEqual(stateOf('To', true));
    expect(outbound(stateOf('To', true), 'unsubscribe').state).toEqual(stateOf('None', true));
  });
});

describe('removing a roster item (RFC 6121 §2.5.2)', () => {
  it.each([
    ['None', []],
    ['None + Pending Out', ['unsubscribe']],
    ['None + Pending In', ['unsubscribed']],
    ['None + Pending Out/In', ['unsubscribe', 'unsubscribed']],
    ['To', ['unsubscribe']],
    ['To + Pending In', ['unsubscribe', 'unsubscribed']],
    ['From', ['unsubscribed']],
    ['From + Pending Out', ['unsubscribe', 'unsubscribed']],
    ['Both', ['unsubscribe', 'unsubscribed']],
  ] as const)('from "%s" tells the contact %j', (existing, notices) => {
    expect(removalNotices(stateOf(existing))).toEqual(notices);
  });
});
