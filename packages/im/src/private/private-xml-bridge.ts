// A seam of the XEP-0049 module: another module may serve one element of private storage itself
// (provided as PRIVATE_XML_BRIDGE), e.g. XEP-0048 bookmarks kept in XEP-0402's PEP node. The
// private storage module asks it for that element's key instead of its own store.
import type { Element } from '@xmpp/xml';
import type { JID } from '@deskchat/protocol';

export const PRIVATE_XML_BRIDGE = 'private-xml/bridge';

export interface PrivateXmlBridge {
  /** The private-storage key (`name namespace`) it serves. */
  readonly key: string;
  /** The element as XEP-0049 returns it (an empty one when there is nothing). */
  get(username: string): Promise<Element>;
  /** Stores the element a client set through XEP-0049 (from its full JID). */
  set(username: string, element: Element, from: JID): Promise<void>;
}
