// What a stream could not deliver (issue #7 §2–3): a BOSH session that ended by inactivity with
// stanzas still queued, a TCP or WebSocket client that stopped reading. The transport hands those
// stanzas back once the session is closed, so that the session is no longer in the registry.
//
//   message, chat/normal/headline → routed again as if sent to the user's bare JID (RFC 6121
//     §8.5.2): the user's other available resources, else offline storage ('message/offline'),
//     else the sender gets the error the router gives;
//   message, error → dropped (RFC 6120 §8.3.1: never answer an error);
//   message carrying a XEP-0280 carbon → dropped (a copy; the original reached its recipients);
//   iq get/set → the sender gets service-unavailable (RFC 6121 §8.5.3.2.2, the resource is gone);
//   anything else (presence, iq results, stream-level elements) → dropped: presence is state the
//     next sign-in receives again, and answers to this session's requests have nobody to go to.
//
// One place on purpose: when delivery moves onto a cluster-wide router this is the function to move.
import type { Element } from '@xmpp/xml';
import { StanzaError, withAttrs } from '@deskchat/protocol';
import type { Core } from './core.js';
import type { Session } from './session.js';

const CARBONS = 'urn:xmpp:carbons:2';

const isCarbon = (el: Element) => el.getChild('received', CARBONS) !== undefined || el.getChild('sent', CARBONS) !== undefined;

export async function redeliverUndelivered(core: Core, session: Session, stanzas: Element[]): Promise<void> {
  const owner = session.jid?.bare();
  if (!owner) return; // never bound: nothing was addressed to it
  let messages = 0;
  for (const stanza of stanzas) {
    const type = stanza.attrs.type;
    if (stanza.name === 'message') {
      if (type === 'error' || isCarbon(stanza)) continue;
      messages++;
      await core.router.route(withAttrs(stanza, { to: owner.toString() }));
    } else if (stanza.name === 'iq' && (type === 'get' || type === 'set')) {
      core.router.bounce(stanza, new StanzaError('service-unavailable', 'the resource went away before this request was delivered'));
    }
  }
  if (messages > 0) session.log.info({ messages }, 'undelivered messages routed again (other resources or offline storage)');
}
