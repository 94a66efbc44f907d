// HTTP for the file-transfer scenario (XEP-0363 §5): one PUT of a body and one GET read to its end
// per file, on a connection of their own. The connection always goes to the bench's loopback
// target, whatever host the URL names (Prosody's URLs name `upload.localhost`), with the URL's
// host in the Host header, so the bench never reaches another machine.
import http from 'node:http';

function request(targetHost: string, url: string, method: 'PUT' | 'GET', headers: Record<string, string | number>): http.ClientRequest {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:') throw new Error(`only http:// upload URLs are benchmarked (got ${parsed.protocol})`);
  return http.request({ host: targetHost, port: Number(parsed.port || 80), method, path: parsed.pathname + parsed.search, headers: { Host: parsed.host, ...headers }, agent: false });
}

/** PUTs `body` (with the slot's headers); resolves on a 2xx answer, rejects with the status and text otherwise. */
export function putFile(targetHost: string, url: string, body: Buffer, type: string, slotHeaders: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(targetHost, url, 'PUT', { ...slotHeaders, 'Content-Type': type, 'Content-Length': body.length });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d.slice(0, 300)));
      res.on('end', () => (res.statusCode! >= 200 && res.statusCode! < 300 ? resolve() : reject(new Error(`PUT ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GETs the URL and counts the bytes (discarded); rejects on a non-200 answer. */
export function getFile(targetHost: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(targetHost, url, 'GET', {});
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET ${res.statusCode}`));
      }
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
