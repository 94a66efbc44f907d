// XEP-0049 private XML storage: a user stores elements under their own namespaces and reads them
// back from any client. Only the user's own account (no 'to', or 'to' their bare JID).
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { parseDocument, type Module } from '@deskchat/core';

export const PRIVATE_NS = 'jabber:iq:private';

export interface PrivateXmlOptions {
  /** Largest stored element in bytes. */
  maxItemBytes: number;
}

export const privateKey = (el: Element): string => `${el.name} ${el.attrs.xmlns}`;

/** XEP-0049 §3: the payload children; each needs a namespace, and 'jabber:' ones are reserved. */
function children(query: Element): Element[] {
  const list = query.children.filter((c): c is Element => typeof c !== 'string');
  if (list.length === 0) throw new StanzaError('not-acceptable', 'name the element to store or retrieve (XEP-0049 §3)');
  for (const child of list) {
    const ns = child.attrs.xmlns;
    if (!ns) throw new StanzaError('not-acceptable', 'the element needs its own namespace (XEP-0049 §3)');
    if (ns.startsWith('jabber:') || ns === 'vcard-temp') throw new StanzaError('not-acceptable', `namespace ${ns} is reserved (XEP-0049 §3)`);
  }
  return list;
}

export const privateXmlModule: Module<PrivateXmlOptions> = {
  name: 'private-xml',
  defaults: { maxItemBytes: 64 * 1024 },
  setup(api) {
    const store = api.stores.privateXml;
    const own = (isOwnAccount: boolean) => {
      if (!isOwnAccount) throw new StanzaError('forbidden', "another user's private data is not reachable (XEP-0049 §3)");
    };
    api.iq(
      PRIVATE_NS,
      'query',
      {
        async get({ payload, from, isOwnAccount }) {
          own(isOwnAccount);
          const found = await Promise.all(
            children(payload).map(async (asked) => {
              const stored = await store.getItem(from.local, privateKey(asked));
              return stored ? parseDocument(stored) : xml(asked.name, { xmlns: asked.attrs.xmlns });
            }),
          );
          return xml('query', { xmlns: PRIVATE_NS }, ...found);
        },
        async set({ payload, from, isOwnAccount }) {
          own(isOwnAccount);
          const items = children(payload);
          const serialized = items.map((el) => el.toString());
          if (serialized.some((s) => Buffer.byteLength(s) > api.options.maxItemBytes)) {
            throw new StanzaError('not-acceptable', `a private element may be at most ${api.options.maxItemBytes} bytes`);
          }
          for (const [i, el] of items.entries()) await store.setItem(from.local, privateKey(el), serialized[i]);
          return undefined;
        },
      },
      'account',
    );
  },
};
