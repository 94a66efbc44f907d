// Port: the node bus (design.md §5, conventions §7). Messages addressed to one node: a stanza for
// a session it holds, an order to close one of its sessions, the reply to an IQ it sent. The
// session directory says where a session is; the bus only carries. A message for a session the
// node no longer holds goes back to the router, never into a silent drop.

export type BusMessage =
  /** Deliver a stanza (serialized XML) to the local session of the full JID `to`. */
  | { type: 'stanza'; to: string; stanza: string }
  /** Close the local session `sessionId` of the full JID with a stream error (e.g. conflict, see-other-host). */
  | { type: 'close'; username: string; resource: string; sessionId: string; condition: string; text?: string; seeOther?: string }
  /** The result or error answering an IQ this node sent (its id names the node, see iq-requests.ts). */
  | { type: 'iq-reply'; stanza: string };

export type BusHandler = (message: BusMessage) => void | Promise<void>;

export interface NodeBus {
  /** Starts receiving the node's messages; resolves when the subscription is in place. Returns the unsubscribe function. */
  subscribe(node: string, handler: BusHandler): Promise<() => Promise<void>>;
  /**
   * Sends a message to a node. Resolves once it is handed over (the memory bus: once the handler
   * has run; Redis: once published). A node that is not listening loses it; callers that need
   * delivery check the directory first.
   */
  publish(node: string, message: BusMessage): Promise<void>;
}
