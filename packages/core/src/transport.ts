// The Session port: what a transport (TCP, BOSH, WebSocket) provides to core. Transports are thin:
// they turn bytes or HTTP bodies into elements and back; stream negotiation lives once in core.
import type { Element } from '@xmpp/xml';
import type { StreamError } from '@deskchat/protocol';
import type { NodeAddress } from './cluster/cluster-registry.js';

export type TransportKind = 'tcp' | 'bosh' | 'websocket';

export interface Transport {
  readonly kind: TransportKind;
  /** Peer address for logs, limits and PLAIN's loopback rule. */
  readonly remoteAddress: string;
  /** Whether the bytes are encrypted now (TLS, direct or after STARTTLS, or HTTPS). */
  isSecure(): boolean;
  /** Whether `startTls()` can be offered (TCP with a configured certificate, not yet secure). */
  canStartTls(): boolean;
  /** RFC 6120 §5.4.3.3: upgrade after `<proceed/>` was written; the next input is a new stream header. */
  startTls?(): Promise<void>;
  /** Writes the response stream header (TCP `<stream:stream>`, WebSocket `<open/>`, BOSH body attributes). */
  openStream(attrs: Record<string, string>): void;
  /** Writes one top-level element (stanza, features, SASL or TLS element). */
  send(element: Element): void;
  /** RFC 6120 §4.3.3: after SASL success the client opens a new stream; the parser must restart. */
  resetStream(): void;
  /** Ends the stream (writing the stream error first when given) and then the connection. */
  close(error?: StreamError): void;
  /**
   * Ends the stream pointing the client at another node, where the transport has its own way to
   * say so (BOSH: see-other-uri with `target.bosh`; WebSocket: <close see-other-uri=target.websocket/>).
   * Absent (TCP): the session sends see-other-host instead.
   */
  seeOther?(target: NodeAddress, text: string): void;
}

export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
