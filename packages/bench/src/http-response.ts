// Reading HTTP/1.1 responses from a persistent connection (RFC 9112 §2, §6: Content-Length and
// chunked bodies, §9.3 persistence), as a pure function over the bytes received so far. The BOSH
// client speaks HTTP itself because node's http client costs more CPU per request than the server
// work it is measuring.

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server will close the connection after this response. */
  isClosing: boolean;
  /** Bytes of the input this response took. */
  consumed: number;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** Parses one response at the start of `data`; undefined while it is incomplete. Throws on a malformed one. */
export function parseHttpResponse(data: Buffer): HttpResponse | undefined {
  const headerEnd = data.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const lines = data.toString('latin1', 0, headerEnd).split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!statusLine) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const status = Number(statusLine[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const isClosing = /\bclose\b/i.test(headers.connection ?? '') || lines[0].startsWith('HTTP/1.0');
  const bodyStart = headerEnd + HEADER_END.length;
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
    const chunked = readChunked(data, bodyStart);
    return chunked && { status, headers, body: chunked.body, isClosing, consumed: chunked.end };
  }
  // 1xx, 204 and 304 have no body (RFC 9112 §6.3); otherwise Content-Length, or none at all.
  const length = status < 200 || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0) throw new Error(`bad Content-Length: ${headers['content-length']}`);
  if (data.length < bodyStart + length) return undefined;
  return { status, headers, body: data.toString('utf8', bodyStart, bodyStart + length), isClosing, consumed: bodyStart + length };
}

function readChunked(data: Buffer, from: number): { body: string; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd).split(';')[0], 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    at = lineEnd + 2;
    if (size === 0) {
      // Trailer fields end with an empty line.
      const trailerEnd = data.indexOf(CRLF, at);
      if (trailerEnd < 0) return undefined;
      if (trailerEnd === at) return { body: Buffer.concat(parts).toString('utf8'), end: at + 2 };
      const end = data.indexOf(HEADER_END, at);
      return end < 0 ? undefined : { body: Buffer.concat(parts).toString('utf8'), end: end + 4 };
    }
    if (data.length < at + size + 2) return undefined;
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

/** A POST request with an XML body, as bytes ready to write. */
export function postRequest(host: string, path: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
