// Port: the node bus (design.md §5, conventions §7). Messages addressed to one node: a stanza for
// a session it holds, an order to close one of its sessions, the reply to an IQ it sent. The
// session directory says where a session is; the bus only carries. A message for a session the
// node no longer holds goes back to the router, never into a silent drop.
//
// Messages wait for their node: one that is down (crashed, cut off) finds them when it comes
// back, or the node taking over its duties `drain`s them and routes each again — so a stanza
// published in the gap between a node's death and its takeover is not lost (Redis: one stream
// per node, not pub/sub, which would drop it).

import type { NodeAddress } from '../cluster/cluster-registry.js';

export type BusMessage =
  /** Deliver a stanza (serialized XML) to the local session of the full JID `to`. */
  | { type: 'stanza'; to: string; stanza: string }
  /**
   * Close the local session `sessionId` of the full JID with a stream error (e.g. conflict,
   * see-other-host); with `redirect`, send it to that node instead (Session.redirect: see-other-host
   * over TCP, see-other-uri over BOSH and WebSocket), as when an administrator moves a signed-in user.
   */
  | { type: 'close'; username: string; resource: string; sessionId: string; condition: string; text?: string; seeOther?: string; redirect?: NodeAddress }
  /** The result or error answering an IQ this node sent (its id names the node, see iq-requests.ts). */
  | { type: 'iq-reply'; stanza: string }
  /** Something for a session waits in shared state (a BOSH outbox): the holder should look (`id`: the BOSH sid). */
  | { type: 'poke'; id: string };

export type BusHandler = (message: BusMessage) => void | Promise<void>;

export interface NodeBus {
  /** Starts receiving the node's messages; resolves when the subscription is in place. Returns the unsubscribe function. */
  subscribe(node: string, handler: BusHandler): Promise<() => Promise<void>>;
  /**
   * Sends a message to a node. Resolves once it is handed over (the memory bus: once the handler
   * has run; Redis: once appended to the node's stream). A node that is not listening gets it
   * when it subscribes again, unless a takeover drains it first.
   */
  publish(node: string, message: BusMessage): Promise<void>;
  /** Takes every message still waiting for a node that is not listening (a takeover of a dead node), oldest first. */
  drain(node: string): Promise<BusMessage[]>;
}
