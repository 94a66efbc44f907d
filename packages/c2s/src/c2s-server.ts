// Builds the TCP servers for client connections: 5222 (plain, STARTTLS offered when a certificate
// is configured) and 5223 (direct TLS, XEP-0368). They are returned unbound: `server` listens.
import net from 'node:net';
import tls, { type SecureContext } from 'node:tls';
import type { Core } from '@deskchat/core';
import { TcpTransport } from './tcp-transport.js';
import { DEFAULT_C2S_OPTIONS, type C2sOptions } from './options.js';

export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface C2sServers {
  /** Plain TCP with STARTTLS. */
  starttls: net.Server;
  /** Direct TLS, only when a certificate is configured. */
  directTls?: tls.Server;
}

export function createC2sServers(core: Core, tlsMaterial?: TlsMaterial, options: C2sOptions = DEFAULT_C2S_OPTIONS): C2sServers {
  const secureContext: SecureContext | undefined = tlsMaterial
    ? tls.createSecureContext({ key: tlsMaterial.key, cert: tlsMaterial.cert, minVersion: 'TLSv1.2' })
    : undefined;
  // A failure while accepting one connection ends that connection, never the process (issue #7 §1).
  const accept = (socket: net.Socket) => {
    if (socket.destroyed) return; // refused by a connection limit before us
    try {
      new TcpTransport(core, socket, options, secureContext);
    } catch (err) {
      core.log.error({ err, remote: socket.remoteAddress }, 'could not accept a connection');
      socket.destroy();
    }
  };
  const starttls = net.createServer(accept);
  const directTls = secureContext ? tls.createServer({ key: tlsMaterial!.key, cert: tlsMaterial!.cert, minVersion: 'TLSv1.2' }, accept) : undefined;
  // A TLS handshake that fails before the connection listener runs is the client's problem, not a crash.
  directTls?.on('tlsClientError', (err) => core.log.debug({ err: err.message }, 'TLS handshake failed'));
  return { starttls, directTls };
}
