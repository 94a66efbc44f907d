// What the BOSH code needs of an HTTP response: node's ServerResponse has it, and so has the lean
// response of the BOSH wire (bosh-wire.ts), which answers on a raw socket without node's HTTP objects.

export interface BoshResponse {
  /** The response was written whole. */
  readonly writableEnded: boolean;
  /** The connection is gone: nothing more can be written. */
  readonly destroyed: boolean;
  writeHead(status: number, headers?: Record<string, string | number>): BoshResponse;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
  /** Drops the connection without an answer. */
  destroy(): unknown;
  /** 'close': the connection closed, answered or not (the listener's `this` is the response). */
  once(event: 'close', listener: () => void): unknown;
}
