// XEP-0352 Client State Indication 1.0.0. A client that says it is <inactive/> (a phone in a
// pocket, a desktop window nobody looks at) is sent only what matters until it says <active/>:
// presence updates and bare chat states (XEP-0085) are held back, keeping only the latest from
// each sender, because they are most of the traffic and stale by the time anyone looks. Anything
// else (a message with a body, an IQ, a subscription request, an error) first sends what was held,
// so the client sees every stanza in the order it was routed (§5.1). <active/> sends it all.
//
// The state belongs to the stream: a stream starts active and a resumed stream is active again
// (XEP-0352 §5.2), so a stream that is lost and waits to be resumed (XEP-0198) hands what it held
// to stream management. What is held lives in this node's memory with the session: if the stream
// ends, or its node dies, held presence and chat states are dropped (the next sign-in gets
// presence again).
import xml, { type Element } from '@xmpp/xml';
import type { Module, Session } from '@deskchat/core';
import { MESSAGING_NS } from '../messaging/namespaces.js';

export const CSI_NS = 'urn:xmpp:csi:0';
const MUC_USER_NS = 'http://jabber.org/protocol/muc#user';
/** Past this many held stanzas, everything held is sent (a bound on memory per session, not a rate). */
export const MAX_HELD = 100;

interface ClientState {
  /** Held stanzas in routing order, by key: one presence, one chat state per sender. */
  held: Map<string, Element>;
}

const DATA_KEY = 'csi';

/** What an inactive client can do without, and the key under which a later one replaces it; undefined when it must go now. */
export function holdKey(stanza: Element): string | undefined {
  const from = stanza.attrs.from ?? '';
  if (stanza.name === 'presence') {
    const type = stanza.attrs.type;
    if (type !== undefined && type !== 'unavailable') return undefined; // subscriptions, probes, errors
    // A room's presence about ourselves (status 110) completes a join the client waits for.
    const self = stanza.getChild('x', MUC_USER_NS)?.getChildren('status').some((s) => s.attrs.code === '110');
    return self ? undefined : `presence ${from}`;
  }
  if (stanza.name === 'message') {
    if (stanza.attrs.type === 'error' || stanza.getChild('body') || stanza.getChild('subject')) return undefined;
    const payloads = stanza.children.filter((c): c is Element => typeof c !== 'string' && c.name !== 'thread');
    const isChatStateOnly = payloads.length > 0 && payloads.every((c) => c.attrs.xmlns === MESSAGING_NS.CHATSTATES);
    return isChatStateOnly ? `chat-state ${from}` : undefined;
  }
  return undefined;
}

function stateOf(session: Session): ClientState | undefined {
  return session.data.get(DATA_KEY) as ClientState | undefined;
}

/** Sends what was held, in order, and leaves the session active. */
function flush(session: Session, state: ClientState): void {
  const held = [...state.held.values()];
  state.held.clear();
  for (const stanza of held) session.write(stanza);
}

export const csiModule: Module = {
  name: 'csi',
  setup(api) {
    api.streamFeature('post-auth', () => xml('csi', { xmlns: CSI_NS }));

    api.hook('stream/nonza', ({ session, element }) => {
      if (element.attrs.xmlns !== CSI_NS) return false;
      if (element.name === 'inactive') {
        if (!stateOf(session)) session.data.set(DATA_KEY, { held: new Map() } satisfies ClientState);
        return true;
      }
      if (element.name === 'active') {
        const state = stateOf(session);
        session.data.delete(DATA_KEY);
        if (state) flush(session, state);
        return true;
      }
      return false; // an unknown element in our namespace: a stream error, as for any other
    });

    api.hook('pre-stanza/deliver', ({ stanza, session }) => {
      const state = stateOf(session);
      if (!state) return false;
      const key = holdKey(stanza);
      if (key === undefined) {
        flush(session, state); // then core writes this stanza, after them
        return false;
      }
      state.held.delete(key); // the latest goes to the end: it was routed last
      state.held.set(key, stanza);
      if (state.held.size >= MAX_HELD) flush(session, state);
      return true;
    });

    // A lost stream hands what it held to stream management, which keeps it for the resumed
    // stream; that stream starts active (§5.2).
    const becomeActive = ({ session }: { session: Session }) => {
      const state = stateOf(session);
      session.data.delete(DATA_KEY);
      if (state) flush(session, state);
    };
    api.hook('session/hibernated', becomeActive);
    api.hook('session/resumed', becomeActive);
  },
};
