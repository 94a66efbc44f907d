// The bench's keep-alive connection: a request that meets a server closing the reused connection
// (for idleness) goes once more on a new one, as a browser's does; a first request on a new
// connection that fails is not sent again.
import { describe, it, expect, afterEach } from '@jest/globals';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpConnection } from './http-connection.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

const answer = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** A raw server: `onRequest(k, socket)` for the k-th request it reads (counted over all connections). */
async function serve(onRequest: (k: number, socket: net.Socket) => void): Promise<{ port: number; connections: () => number }> {
  let requests = 0;
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.on('data', (data) => {
      // Each test request arrives in one chunk on loopback and carries its number in the body.
      if (data.toString().includes('\r\n\r\n')) onRequest(++requests, socket);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe('HttpConnection', () => {
  it('sends a request again on a new connection when the server closes the reused one unanswered', async () => {
    // Request 1 is answered; request 2 arrives as the server drops the idle connection (a reset,
    // the worst case); request 3 is the same request on a new connection, answered.
    const { port, connections } = await serve((k, socket) => {
      if (k === 2) socket.resetAndDestroy();
      else socket.write(answer(`<body n='${k}'/>`));
    });
    const http = new HttpConnection('127.0.0.1', port);
    expect((await http.post('/http-bind', '<body/>', 5000)).body).toBe("<body n='1'/>");
    expect((await http.post('/http-bind', '<body/>', 5000)).body).toBe("<body n='3'/>");
    expect(http.connects).toBe(2);
    expect(connections()).toBe(2);
    http.destroy();
  });

  it('does not send the first request of a new connection again, nor a request twice', async () => {
    const { port } = await serve((_, socket) => socket.resetAndDestroy());
    const http = new HttpConnection('127.0.0.1', port);
    await expect(http.post('/http-bind', '<body/>', 5000)).rejects.toThrow();
    expect(http.connects).toBe(1);

    // A reused connection is retried once, not for ever.
    const second = await serve((k, socket) => (k === 1 ? socket.write(answer('<body/>')) : socket.resetAndDestroy()));
    const reused = new HttpConnection('127.0.0.1', second.port);
    await reused.post('/http-bind', '<body/>', 5000);
    await expect(reused.post('/http-bind', '<body/>', 5000)).rejects.toThrow();
    expect(reused.connects).toBe(2);
    reused.destroy();
  });
});
