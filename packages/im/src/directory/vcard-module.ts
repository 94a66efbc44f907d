// XEP-0054 vcard-temp: a user gets and sets their own vCard, and gets other users' vCards, answered
// by the server on the account's behalf (RFC 6121 §8.5.2.1.3 / XEP-0054 §3.3). Stored durably with
// its directory fields (XEP-0055 search reads them).
import xml, { Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { DEFAULT_XML_LIMITS, parseDocument, type Module } from '@deskchat/core';
import { NS_VCARD } from './ns.js';
import { DEFAULT_VCARD_OPTIONS, type VCardOptions } from './options.js';
import { extractVCardFields } from './vcard-fields.js';

const emptyVCard = (): Element => xml('vCard', { xmlns: NS_VCARD });

/** Parses a stored vCard (we wrote it, so it is well formed); the size limit is the text's own. */
function parseStored(text: string): Element {
  return parseDocument(text, { ...DEFAULT_XML_LIMITS, maxStanzaBytes: Buffer.byteLength(text) + 1 });
}

export const vcardModule: Module<VCardOptions> = {
  name: 'vcard',
  defaults: DEFAULT_VCARD_OPTIONS,
  setup(api) {
    const { vcards } = api.stores;
    api.discoFeature(NS_VCARD); // XEP-0054 §4
    api.iq(
      NS_VCARD,
      'vCard',
      {
        async get({ to, isOwnAccount }) {
          const stored = await vcards.getVCard(to.local);
          if (stored) return parseStored(stored.xml);
          // XEP-0054 §3.1: for one's own vCard, an empty <vCard/> is allowed (and is what clients expect).
          if (isOwnAccount) return emptyVCard();
          // XEP-0054 §3.3: "If no vCard exists or the user does not exist, the server MUST return a
          // stanza error, which SHOULD be service-unavailable or item-not-found." One answer for both,
          // the one RFC 6121 §8.5.1 gives for a missing account, so that a vCard request cannot tell
          // whether an account exists (issue #7 §7).
          throw new StanzaError('service-unavailable');
        },
        async set({ payload, to, isOwnAccount }) {
          if (!isOwnAccount) throw new StanzaError('forbidden', "a user may set only their own vCard (XEP-0054 §3.2)");
          const vcard = new Element('vCard', { ...payload.attrs, xmlns: NS_VCARD });
          vcard.children = payload.children;
          const text = vcard.toString();
          const size = Buffer.byteLength(text);
          if (size > api.options.maxBytes) {
            // RFC 6120 §8.3.3.9 not-acceptable: the request does not meet a criterion the server defines.
            throw new StanzaError(
              'not-acceptable',
              `the vCard is ${size} bytes and this server stores at most ${api.options.maxBytes}; use a smaller PHOTO`,
            );
          }
          // An empty <vCard/> has nothing to keep: it removes the stored one.
          if (vcard.getChildElements().length === 0) await vcards.removeVCard(to.local);
          else await vcards.setVCard(to.local, { xml: text, fields: extractVCardFields(vcard) });
          return undefined;
        },
      },
      'account',
    );
  },
};
