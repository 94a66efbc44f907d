// RFC 6121 Appendix A (subscription states and their changes) and §3.4 (pre-approval) as pure
// functions. The presence module calls them for every subscription stanza (§3), the roster module
// for removing an item (§2.5.2). Nothing here reads or writes storage or sends stanzas.
import type { Subscription } from '@deskchat/core';

export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

export const SUBSCRIPTION_TYPES: readonly SubscriptionType[] = ['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed'];

/** The state of a user's relationship with one contact, from the user's side. */
export interface SubscriptionState {
  subscription: Subscription;
  /** The user asked for the contact's presence ("Pending Out", ask='subscribe'). */
  isPendingOut: boolean;
  /** The contact asked for the user's presence and the user has not answered ("Pending In"). */
  isPendingIn: boolean;
  /** The user pre-approved a request from the contact (§3.4, approved='true'). */
  isPreApproved: boolean;
}

/** The nine defined states of RFC 6121 Appendix A.1, named as the RFC names them. */
export type DefinedState =
  | 'None'
  | 'None + Pending Out'
  | 'None + Pending In'
  | 'None + Pending Out/In'
  | 'To'
  | 'To + Pending In'
  | 'From'
  | 'From + Pending Out'
  | 'Both';

export const DEFINED_STATES: readonly DefinedState[] = [
  'None',
  'None + Pending Out',
  'None + Pending In',
  'None + Pending Out/In',
  'To',
  'To + Pending In',
  'From',
  'From + Pending Out',
  'Both',
];

const STATES: Record<DefinedState, Omit<SubscriptionState, 'isPreApproved'>> = {
  None: { subscription: 'none', isPendingOut: false, isPendingIn: false },
  'None + Pending Out': { subscription: 'none', isPendingOut: true, isPendingIn: false },
  'None + Pending In': { subscription: 'none', isPendingOut: false, isPendingIn: true },
  'None + Pending Out/In': { subscription: 'none', isPendingOut: true, isPendingIn: true },
  To: { subscription: 'to', isPendingOut: false, isPendingIn: false },
  'To + Pending In': { subscription: 'to', isPendingOut: false, isPendingIn: true },
  From: { subscription: 'from', isPendingOut: false, isPendingIn: false },
  'From + Pending Out': { subscription: 'from', isPendingOut: true, isPendingIn: false },
  Both: { subscription: 'both', isPendingOut: false, isPendingIn: false },
};

export function stateOf(name: DefinedState, isPreApproved = false): SubscriptionState {
  return { ...STATES[name], isPreApproved };
}

/**
 * The defined state a stored state is in. Combinations the RFC does not define (a pending request
 * beside a subscription that already covers it) read as the state without the redundant flag.
 */
export function nameOf(state: SubscriptionState): DefinedState {
  const { subscription, isPendingOut, isPendingIn } = state;
  if (subscription === 'both') return 'Both';
  if (subscription === 'from') return isPendingOut ? 'From + Pending Out' : 'From';
  if (subscription === 'to') return isPendingIn ? 'To + Pending In' : 'To';
  if (isPendingOut) return isPendingIn ? 'None + Pending Out/In' : 'None + Pending Out';
  return isPendingIn ? 'None + Pending In' : 'None';
}

export const NO_SUBSCRIPTION: SubscriptionState = stateOf('None');

/** The contact receives the user's presence ('from' or 'both'). */
export const hasFrom = (state: { subscription: Subscription }): boolean => state.subscription === 'from' || state.subscription === 'both';
/** The user receives the contact's presence ('to' or 'both'). */
export const hasTo = (state: { subscription: Subscription }): boolean => state.subscription === 'to' || state.subscription === 'both';

/** Whether the state must be kept as a roster item (a pending inbound request alone never creates one, §3.1.3). */
export function needsItem(state: SubscriptionState): boolean {
  return state.subscription !== 'none' || state.isPendingOut || state.isPreApproved;
}

// Each row: existing state → [route / deliver?, new state, or undefined for "no state change"].
type Row = readonly [boolean, DefinedState?];
type Table = Record<DefinedState, Row>;

/** RFC 6121 Appendix A.2: the user's server processing an outbound stanza (ROUTE? column). */
const OUTBOUND: Record<SubscriptionType, Table> = {
  // A.2.1 Subscribe
  subscribe: {
    None: [true, 'None + Pending Out'],
    'None + Pending Out': [true],
    'None + Pending In': [true, 'None + Pending Out/In'],
    'None + Pending Out/In': [true],
    To: [true],
    'To + Pending In': [true],
    From: [true, 'From + Pending Out'],
    'From + Pending Out': [true],
    Both: [true],
  },
  // A.2.2 Unsubscribe
  unsubscribe: {
    None: [true],
    'None + Pending Out': [true, 'None'],
    'None + Pending In': [true],
    'None + Pending Out/In': [true, 'None + Pending In'],
    To: [true, 'None'],
    'To + Pending In': [true, 'None + Pending In'],
    From: [true],
    'From + Pending Out': [true, 'From'],
    Both: [true, 'From'],
  },
  // A.2.3 Subscribed
  subscribed: {
    None: [false],
    'None + Pending Out': [false],
    'None + Pending In': [true, 'From'],
    'None + Pending Out/In': [true, 'From + Pending Out'],
    To: [false],
    'To + Pending In': [true, 'Both'],
    From: [false],
    'From + Pending Out': [false],
    Both: [false],
  },
  // A.2.4 Unsubscribed
  unsubscribed: {
    None: [false],
    'None + Pending Out': [false],
    'None + Pending In': [true, 'None'],
    'None + Pending Out/In': [true, 'None + Pending Out'],
    To: [false],
    'To + Pending In': [true, 'To'],
    From: [true, 'None'],
    'From + Pending Out': [true, 'None + Pending Out'],
    Both: [true, 'To'],
  },
};

/** RFC 6121 Appendix A.3: the contact's server processing an inbound stanza (DELIVER? column). */
const INBOUND: Record<SubscriptionType, Table> = {
  // A.3.1 Subscribe (in From, From + Pending Out and Both the server auto-replies 'subscribed')
  subscribe: {
    None: [true, 'None + Pending In'],
    'None + Pending Out': [true, 'None + Pending Out/In'],
    'None + Pending In': [false],
    'None + Pending Out/In': [false],
    To: [true, 'To + Pending In'],
    'To + Pending In': [false],
    From: [false],
    'From + Pending Out': [false],
    Both: [false],
  },
  // A.3.2 Unsubscribe
  unsubscribe: {
    None: [false],
    'None + Pending Out': [false],
    'None + Pending In': [true, 'None'],
    'None + Pending Out/In': [true, 'None + Pending Out'],
    To: [false],
    'To + Pending In': [true, 'To'],
    From: [true, 'None'],
    'From + Pending Out': [true, 'None + Pending Out'],
    Both: [true, 'To'],
  },
  // A.3.3 Subscribed
  subscribed: {
    None: [false],
    'None + Pending Out': [true, 'To'],
    'None + Pending In': [false],
    'None + Pending Out/In': [true, 'To + Pending In'],
    To: [false],
    'To + Pending In': [false],
    From: [false],
    'From + Pending Out': [true, 'Both'],
    Both: [false],
  },
  // A.3.4 Unsubscribed
  unsubscribed: {
    None: [false],
    'None + Pending Out': [true, 'None'],
    'None + Pending In': [false],
    'None + Pending Out/In': [true, 'None + Pending In'],
    To: [true, 'None'],
    'To + Pending In': [true, 'None + Pending In'],
    From: [false],
    'From + Pending Out': [true, 'From'],
    Both: [true, 'From'],
  },
};

export interface OutboundResult {
  state: SubscriptionState;
  /** The user's server routes the stanza to the contact (A.2 "ROUTE?"). */
  isRouted: boolean;
}

export interface InboundResult {
  state: SubscriptionState;
  /** The stanza is delivered to the user's available resources (A.3 "DELIVER?"); a subscribe is also kept until answered (§3.1.3). */
  isDelivered: boolean;
  /** The server answers 'subscribed' on the user's behalf: the contact is already subscribed (A.3.1 note, §3.1.3 step 2) or was pre-approved (§3.4.2). */
  isAutoApproved: boolean;
}

/** A state with no 'from' and no request waiting: where an outbound 'subscribed' is a pre-approval (§3.4.1). */
const canPreApprove = (state: SubscriptionState): boolean => !hasFrom(state) && !state.isPendingIn;

/** The user sends `type` to the contact (RFC 6121 §3.1.2, §3.1.5, §3.2.2, §3.3.2, §3.4.1; Appendix A.2). */
export function outbound(state: SubscriptionState, type: SubscriptionType): OutboundResult {
  // §3.4.1: 'subscribed' with no request to answer pre-approves one; it is not routed.
  if (type === 'subscribed' && canPreApprove(state)) return { state: { ...state, isPreApproved: true }, isRouted: false };
  // §3.4: 'unsubscribed' cancels a pre-approval the contact has not used yet; nothing is routed.
  if (type === 'unsubscribed' && state.isPreApproved && canPreApprove(state)) return { state: { ...state, isPreApproved: false }, isRouted: false };
  const [isRouted, next] = OUTBOUND[type][nameOf(state)];
  return { state: next ? settle(next, state.isPreApproved) : state, isRouted };
}

/** The contact sends `type` to the user; the user's server processes it (RFC 6121 §3.1.3, §3.1.6, §3.2.3, §3.3.3; Appendix A.3). */
export function inbound(state: SubscriptionState, type: SubscriptionType): InboundResult {
  const name = nameOf(state);
  if (type === 'subscribe') {
    // §3.4.2: a pre-approved request is approved at once and not delivered.
    // The result is the state the request leads to (A.3.1), then approved by the user (A.2.3).
    if (state.isPreApproved && canPreApprove(state)) {
      const requested = INBOUND.subscribe[name][1]!;
      return { state: settle(OUTBOUND.subscribed[requested][1]!, false), isDelivered: false, isAutoApproved: true };
    }
    if (hasFrom(state)) return { state, isDelivered: false, isAutoApproved: true };
  }
  const [isDelivered, next] = INBOUND[type][name];
  return { state: next ? settle(next, state.isPreApproved) : state, isDelivered, isAutoApproved: false };
}

/** A pre-approval is used up once the contact has a subscription ('from'). */
function settle(name: DefinedState, isPreApproved: boolean): SubscriptionState {
  const state = stateOf(name, isPreApproved);
  if (hasFrom(state)) state.isPreApproved = false;
  return state;
}

/**
 * RFC 6121 §2.5.2: what the user's server sends the contact when the user removes the item:
 * 'unsubscribe' when the user is subscribed or asked to be (to, both, Pending Out), 'unsubscribed'
 * when the contact is subscribed or asked to be (from, both, Pending In: the request is declined).
 */
export function removalNotices(state: SubscriptionState): SubscriptionType[] {
  const notices: SubscriptionType[] = [];
  if (hasTo(state) || state.isPendingOut) notices.push('unsubscribe');
  if (hasFrom(state) || state.isPendingIn) notices.push('unsubscribed');
  return notices;
}
