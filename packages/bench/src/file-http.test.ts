// The file-transfer scenario's HTTP: the connection goes to the loopback target whatever host the
// URL names, with that host in the Host header; the slot's headers are sent; failures carry the status.
import { describe, it, expect, afterEach } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getFile, putFile } from './file-http.js';

let server: http.Server | undefined;
afterEach(() => {
  server?.close();
});

async function serve(handler: http.RequestListener): Promise<number> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('file-http', () => {
  it('PUTs to the loopback target with the URL\'s host and the slot\'s headers, and GETs the bytes back', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    let stored = Buffer.alloc(0);
    const port = await serve((req, res) => {
      seen.push(req.headers);
      if (req.method === 'PUT') {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => {
          stored = Buffer.concat(parts);
          res.writeHead(201).end();
        });
      } else res.writeHead(200).end(stored);
    });
    const url = `http://upload.example.invalid:${port}/file_share/abc/f.bin`;
    await putFile('127.0.0.1', url, Buffer.alloc(1000, 7), 'application/octet-stream', { Authorization: 'Bearer t' });
    await expect(getFile('127.0.0.1', url)).resolves.toBe(1000);
    expect(seen[0]).toMatchObject({ host: `upload.example.invalid:${port}`, authorization: 'Bearer t', 'content-length': '1000' });
  });

  it('rejects a refused PUT with its status and text', async () => {
    const port = await serve((_req, res) => res.writeHead(415).end('not accepted'));
    await expect(putFile('127.0.0.1', `http://127.0.0.1:${port}/x`, Buffer.alloc(1), 'a/b')).rejects.toThrow('PUT 415: not accepted');
    await expect(getFile('127.0.0.1', `http://127.0.0.1:${port}/x`)).rejects.toThrow('GET 415');
  });
});
