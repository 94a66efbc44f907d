// XEP-0049 private XML storage: a user stores elements under their own namespaces and reads them
// back from any client. Only the user's own account (no 'to', or 'to' their bare JID).
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, childElements } from '@deskchat/protocol';
import { OptionsError, checkInteger, parseDocument, type Module } from '@deskchat/core';
import { PRIVATE_XML_BRIDGE, type PrivateXmlBridge } from './private-xml-bridge.js';

export const PRIVATE_NS = 'jabber:iq:private';

export interface PrivateXmlOptions {
  /** Largest stored element in bytes. */
  maxItemBytes: number;
  /** Elements (namespaces) one user may store (issue #7 §2: one account wrote 117 MB under fresh namespaces). */
  maxItemsPerUser: number;
  /** UTF-8 bytes of one user's elements together. */
  maxBytesPerUser: number;
}

export const DEFAULT_PRIVATE_XML_OPTIONS: PrivateXmlOptions = { maxItemBytes: 64 * 1024, maxItemsPerUser: 100, maxBytesPerUser: 1024 * 1024 };

/** The `privateXml` config section (conventions §8). */
export function parsePrivateXmlOptions(raw: Record<string, unknown> | undefined, prefix = 'privateXml'): PrivateXmlOptions {
  const r = raw ?? {};
  const d = DEFAULT_PRIVATE_XML_OPTIONS;
  for (const key of Object.keys(r)) if (!(key in d)) throw new OptionsError(`${prefix}.${key}`, 'unknown option');
  const int = (key: keyof PrivateXmlOptions, min: number, max: number) => (r[key] === undefined ? d[key] : checkInteger(`${prefix}.${key}`, r[key], min, max));
  return { maxItemBytes: int('maxItemBytes', 256, 16 * 1024 * 1024), maxItemsPerUser: int('maxItemsPerUser', 1, 100_000), maxBytesPerUser: int('maxBytesPerUser', 1024, 1024 * 1024 * 1024) };
}

export const privateKey = (el: Element): string => `${el.name} ${el.attrs.xmlns}`;

/** XEP-0049 §3: the payload children; each needs a namespace, and 'jabber:' ones are reserved. */
function children(query: Element): Element[] {
  const list = childElements(query);
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
  defaults: DEFAULT_PRIVATE_XML_OPTIONS,
  setup(api) {
    const store = api.stores.privateXml;
    const own = (isOwnAccount: boolean) => {
      if (!isOwnAccount) throw new StanzaError('forbidden', "another user's private data is not reachable (XEP-0049 §3)");
    };
    /** The module that serves this element itself, if any (looked up on each request: it may load later). */
    const bridgeFor = (el: Element) => {
      const bridge = api.use<PrivateXmlBridge>(PRIVATE_XML_BRIDGE);
      return bridge && bridge.key === privateKey(el) ? bridge : undefined;
    };
    api.iq(
      PRIVATE_NS,
      'query',
      {
        async get({ payload, from, isOwnAccount }) {
          own(isOwnAccount);
          const found = await Promise.all(
            children(payload).map(async (asked) => {
              const bridge = bridgeFor(asked);
              if (bridge) return bridge.get(from.local);
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
          const { maxItemsPerUser: maxItems, maxBytesPerUser: maxBytes } = api.options;
          for (const [i, el] of items.entries()) {
            const bridge = bridgeFor(el);
            if (bridge) {
              await bridge.set(from.local, el, from);
              continue;
            }
            if (!(await store.setItem(from.local, privateKey(el), serialized[i], { maxItems, maxBytes }))) {
              // RFC 6120 §8.3.3.18 resource-constraint: the server lacks the room to store it for this user.
              throw new StanzaError('resource-constraint', `private storage is full: at most ${maxItems} elements and ${maxBytes} bytes per user`, { type: 'cancel' });
            }
          }
          return undefined;
        },
      },
      'account',
    );
  },
};
