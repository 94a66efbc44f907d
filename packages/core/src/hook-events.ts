// The one typed map of hook events and their payloads. Other packages add events by declaration
// merging: `declare module '@deskchat/core' { interface HookEvents { 'roster/item-removed': … } }`.
//
// Stanza events are named `kind/addressing` (RFC 6120 §10 / RFC 6121 §8 addressing cases):
//   host — to the server's domain; bare — to user@domain; full — to user@domain/resource;
//   self — presence with no 'to' (broadcast, RFC 6121 §4.2–4.4).
// Outbound hooks carry a `pre-` prefix; domain events read `noun/past-participle`.
import type { Element } from '@xmpp/xml';
import type { JID, StreamError } from '@deskchat/protocol';
import type { Session, SessionPresence } from './session.js';
import type { NodeAddress } from './cluster/cluster-registry.js';

export interface StanzaEvent {
  stanza: Element;
  /** The (stamped) sender. */
  from: JID;
  /** The addressee; for `self` events and IQs without 'to' it is the sender's bare JID. */
  to: JID;
  /** The local session the stanza came from, when it came from one. */
  origin?: Session;
}

/** The cluster's answer to an adoption: go to another node, or refuse (the session's node is alive and serving it). */
export type AdoptionVerdict = { redirect: NodeAddress } | { refuse: string };

export interface DeliveryEvent {
  stanza: Element;
  session: Session;
}

type Dispatch<P> = { payload: P; result: boolean | void | undefined };
type Notify<P> = { payload: P; result: void };
type Collect<P, R> = { payload: P; result: R | R[] | undefined; item: R };

export interface HookEvents {
  'message/host': Dispatch<StanzaEvent>;
  'message/bare': Dispatch<StanzaEvent>;
  'message/full': Dispatch<StanzaEvent>;
  'presence/host': Dispatch<StanzaEvent>;
  'presence/bare': Dispatch<StanzaEvent>;
  'presence/full': Dispatch<StanzaEvent>;
  'presence/self': Dispatch<StanzaEvent>;
  'iq/host': Dispatch<StanzaEvent>;
  'iq/bare': Dispatch<StanzaEvent>;
  'iq/full': Dispatch<StanzaEvent>;
  /** A chat/normal message for a user with no available resource (RFC 6121 §8.5.2.2.1); true = stored. */
  'message/offline': Dispatch<StanzaEvent>;
  /** Before a stanza is written to a local session; true = swallowed (e.g. a duplicate carbon). */
  'pre-stanza/deliver': Dispatch<DeliveryEvent>;
  /** Stream features offered before authentication (after TLS, when required). */
  'stream-features/pre-auth': Collect<{ session: Session }, Element>;
  /** Extra children of the SASL `<mechanisms/>` feature (e.g. XEP-0233 `<hostname/>` for home-node discovery). */
  'stream-features/mechanisms': Collect<{ session: Session }, Element>;
  /** Stream features offered after SASL success, beside `<bind/>`. */
  'stream-features/post-auth': Collect<{ session: Session }, Element>;
  /** XEP-0030 features of the server itself. */
  'disco/host-features': Collect<{ from: JID }, string>;
  /** SASL succeeded; a dispatch handler may refuse to serve the user here (e.g. another node is its home) by returning true after closing the session. */
  'session/authenticated': Dispatch<{ session: Session }>;
  /** A SASL attempt failed (`not-authorized`, `temporary-auth-failure` when throttled, …); for metrics and logs. */
  'session/auth-failed': Notify<{ session: Session; condition: string }>;
  'session/bound': Notify<{ session: Session }>;
  /** XEP-0198 §5: a new stream continues a bound session (same session id and full JID); `previousNode` held it before. No session/bound, no session/unbound. */
  'session/resumed': Notify<{ session: Session; previousNode: string }>;
  /** A bound session's own (undirected) presence changed availability or priority; `previous` is what it was. */
  'session/presence-changed': Notify<{ session: Session; previous: SessionPresence }>;
  /** The session is gone (closed by either side or broken); `error` is the stream error it ended with, if any. */
  'session/unbound': Notify<{ session: Session; error?: StreamError }>;
  /**
   * A bound resource of another node is gone with its node (design.md §5 takeover): it has left the
   * directory; modules end what they kept for it as for 'session/unbound' (presence: unavailable to
   * subscribers; chat locks released). Fired on the node that takes over, once per resource.
   */
  'session/lost': Notify<{ username: string; resource: string; sessionId: string; node: string }>;
  /** The node bus asked this node to look at shared state kept for a session it holds (`id`: a BOSH sid). */
  'bus/poke': Notify<{ id: string }>;
  /**
   * May this node continue a session of `username` that `fromNode` was serving (a BOSH resend after
   * that node died)? Collect: the cluster module answers where the client should go instead, or
   * that it must not be adopted; no answer means yes (a single node, or redirects off).
   */
  'session/adoption': Collect<{ username: string; fromNode: string }, AdoptionVerdict>;
}
