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

/**
 * A service hosted on a subdomain of the server's domain (e.g. XEP-0045 on conference.<domain>):
 * it gets every stanza addressed to its domain or to a JID at it, with the sender stamped, and
 * does all of its routing itself (replies through `router.deliver`). A thrown StanzaError is
 * returned to the sender like any routing error. See docs/routing.md.
 */
export type HostedService = (event: StanzaEvent) => void | Promise<void>;
/**
 * The cluster's answer to an adoption: go to another node, or refuse. `isOwner`: the target is the
 * node that was serving the session and the registry still thinks it alive — the client only came
 * here because it could not reach it, so the transport checks before sending the client back.
 */
export type AdoptionVerdict = { redirect: NodeAddress; isOwner?: boolean } | { refuse: string };

/** An XEP-0030 item of the server's domain: a service of this server (`domain/resource`). */
export interface DiscoItem {
  jid: string;
  name?: string;
  /** XEP-0030 §4.1: the item is a node of the entity (e.g. a XEP-0050 command). */
  node?: string;
}

/** XEP-0030 items of a node of the server: a handler that knows the node answers (even with none). */
export interface DiscoNodeItems {
  items: DiscoItem[];
}

/** XEP-0030 info of a service entity; `extensions` are XEP-0128 data forms (type 'result'). */
export interface DiscoInfo {
  identities: { category: string; type: string; name?: string }[];
  features: string[];
  extensions?: Element[];
}

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
  /** A top-level element of a bound stream that is neither a stanza nor core's (e.g. XEP-0352 <inactive/>); true = handled, else unsupported-stanza-type. */
  'stream/nonza': Dispatch<{ session: Session; element: Element }>;
  /** An IQ on a stream that has not authenticated (XEP-0077 in-band registration); true = answered, else the stream closes with not-authorized. */
  'stream/pre-auth-iq': Dispatch<{ session: Session; stanza: Element }>;
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
  /** XEP-0030 items of the server's domain (the services registered with `api.discoService`). */
  'disco/host-items': Collect<{ from: JID }, DiscoItem>;
  /** XEP-0030 identities and features an account's bare JID adds for `from` (e.g. XEP-0163 pubsub/pep, XEP-0313 `urn:xmpp:mam:2`), asked only by the account itself or a contact allowed to see it. */
  'disco/account-info': Collect<{ from: JID; to: JID }, DiscoInfo>;
  /** XEP-0030 items of an account's bare JID that `from` may see (e.g. its PEP nodes, XEP-0163 §6.2). */
  'disco/account-items': Collect<{ from: JID; to: JID }, DiscoItem>;
  /** XEP-0030 info of the service `domain/resource`; each handler answers only for its own resource. */
  'disco/service-info': Collect<{ from: JID; resource: string }, DiscoInfo>;
  /** XEP-0030 §3.2 info of a node of the server (e.g. a XEP-0050 command); the handler that owns the node answers, or throws a StanzaError (forbidden). */
  'disco/node-info': Collect<{ from: JID; node: string }, DiscoInfo>;
  /** XEP-0030 §4.2 items of a node of the server (e.g. the XEP-0050 command list); none answering is item-not-found. */
  'disco/node-items': Collect<{ from: JID; node: string }, DiscoNodeItems>;
  /** SASL succeeded; a dispatch handler may refuse to serve the user here (e.g. another node is its home) by returning true after closing the session. */
  'session/authenticated': Dispatch<{ session: Session }>;
  /** A SASL attempt failed (`not-authorized`, `temporary-auth-failure` when throttled, …); for metrics and logs. */
  'session/auth-failed': Notify<{ session: Session; condition: string; throttled?: 'user' | 'address' }>;
  'session/bound': Notify<{ session: Session }>;
  /** XEP-0198 §5: the session's connection was lost and it waits to be resumed; what is written to it now waits in its stream management queue. */
  'session/hibernated': Notify<{ session: Session }>;
  /** XEP-0198 §5: a new stream continues a bound session (same session id and full JID); `previousNode` held it before. No session/bound, no session/unbound. */
  'session/resumed': Notify<{ session: Session; previousNode: string }>;
  /**
   * A bound session's own presence is about to make it take bare-JID messages (available with
   * priority ≥ 0, and it did not): fired before the directory shows it, so that a module can hold
   * what arrives for the session until it has written what it kept (offline storage).
   */
  'session/becoming-reachable': Notify<{ session: Session }>;
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
  /**
   * An account is being removed (account-removal.ts): it can no longer sign in, and its data is
   * still there. Modules undo what other users hold of it while they can read it (the roster
   * module removes every item as RFC 6121 §2.5 does, so each contact is told). Fired on the node
   * that removes it; the user's sessions are ended by the caller.
   */
  'account/removing': Notify<{ username: string }>;
  /** The node bus asked this node to look at shared state kept for a session it holds (`id`: a BOSH sid). */
  'bus/poke': Notify<{ id: string }>;
  /**
   * May this node continue a session of `username` that `fromNode` was serving (a BOSH resend after
   * that node died)? Collect: the cluster module answers where the client should go instead, or
   * that it must not be adopted; no answer means yes (a single node, or redirects off).
   */
  'session/adoption': Collect<{ username: string; fromNode: string }, AdoptionVerdict>;
}
