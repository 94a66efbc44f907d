// Reading HTTP/1.1 responses from a persistent connection (RFC 9112 §6, §7.1, §9.3).
import { describe, it, expect } from '@jest/globals';
import { parseHttpResponse, postRequest } from './http-response.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseHttpResponse', () => {
  it('reads a Content-Length body counted in bytes, not characters (RFC 9112 §6.3)', () => {
    const body = "<body xmlns='http://jabber.org/protocol/httpbind'>é</body>";
    const text = `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    expect(parseHttpResponse(bytes(text))).toEqual({ status: 200, headers: { 'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(body)) }, body, isClosing: false, consumed: Buffer.byteLength(text) });
  });

  it('waits while the headers or the body are incomplete', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345';
    expect(parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nContent-Len'))).toBeUndefined();
    expect(parseHttpResponse(bytes(text))).toBeUndefined();
  });

  it('stops at the end of one response when the next one follows on the connection (RFC 9112 §9.3)', () => {
    const one = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc';
    const parsed = parseHttpResponse(bytes(`${one}HTTP/1.1 404 Not Found\r\n`));
    expect(parsed).toMatchObject({ body: 'abc', consumed: one.length });
  });

  it('decodes a chunked body with extensions and trailers (RFC 9112 §7.1)', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n<bod\r\n3\r\ny/>\r\n0\r\nX-Trailer: 1\r\n\r\n';
    expect(parseHttpResponse(bytes(text))).toMatchObject({ body: '<body/>', consumed: text.length });
    expect(parseHttpResponse(bytes(text.slice(0, -2)))).toBeUndefined();
    expect(parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'))).toMatchObject({ body: '' });
  });

  it('notes when the server will close the connection (RFC 9112 §9.6)', () => {
    expect(parseHttpResponse(bytes('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'))).toMatchObject({ status: 403, isClosing: true });
    expect(parseHttpResponse(bytes('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'))).toMatchObject({ isClosing: true });
  });

  it('reads no body for 204 and 304 whatever the headers say (RFC 9112 §6.3)', () => {
    expect(parseHttpResponse(bytes('HTTP/1.1 204 No Content\r\n\r\n'))).toMatchObject({ status: 204, body: '', consumed: 27 });
  });

  it('rejects what is not an HTTP/1.x response', () => {
    expect(() => parseHttpResponse(bytes('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow('not an HTTP/1.x response');
    expect(() => parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n'))).toThrow('bad Content-Length');
  });
});

describe('postRequest', () => {
  it('writes a POST with Host and a byte-counted Content-Length (RFC 9112 §3, §6.2)', () => {
    expect(postRequest('127.0.0.1:5280', '/http-bind', '<body>é</body>')).toBe(
      'POST /http-bind HTTP/1.1\r\nHost: 127.0.0.1:5280\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 15\r\n\r\n<body>é</body>',
    );
  });
});
