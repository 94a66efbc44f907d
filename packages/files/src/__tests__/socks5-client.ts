// A minimal SOCKS5 client as XEP-0065 §6.3.2 parties use it (RFC 1928: no authentication, CONNECT
// to a domain name that is the stream hash, port 0), for the proxy tests.
import net from 'node:net';

export interface Socks5Connection {
  socket: net.Socket;
  /** The SOCKS5 reply code (0 = succeeded). */
  reply: number;
  /** Bytes received after the reply. */
  received(): Buffer;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
}

export function socks5Connect(port: number, hash: string, methods = [0x00]): Promise<Socks5Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    let stage: 'method' | 'reply' | 'refused' | 'data' = 'method';
    let reply = -1;
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => {});
    socket.on('connect', () => socket.write(Buffer.from([0x05, methods.length, ...methods])));
    socket.on('close', () => {
      if (stage !== 'data') resolve({ socket, reply: stage === 'method' && buffer[1] === 0xff ? 0xff : reply, received: () => Buffer.concat(chunks), closed });
    });
    socket.on('data', (chunk: Buffer) => {
      if (stage === 'data' || stage === 'refused') {
        if (stage === 'data') chunks.push(chunk);
        return;
      }
      buffer = Buffer.concat([buffer, chunk]);
      if (stage === 'method') {
        if (buffer.length < 2) return;
        if (buffer[1] !== 0x00) return; // refused: wait for the close
        buffer = buffer.subarray(2);
        stage = 'reply';
        const name = Buffer.from(hash, 'latin1');
        socket.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00, 0x03, name.length]), name, Buffer.from([0, 0])]));
      }
      if (stage === 'reply') {
        if (buffer.length < 5 || buffer.length < 5 + buffer[4]! + 2) return;
        reply = buffer[1]!;
        if (reply !== 0) {
          stage = 'refused'; // the server closes next
          return;
        }
        const rest = buffer.subarray(5 + buffer[4]! + 2);
        stage = 'data';
        if (rest.length) chunks.push(rest);
        resolve({ socket, reply, received: () => Buffer.concat(chunks), closed });
      }
    });
    socket.once('error', reject);
  });
}
