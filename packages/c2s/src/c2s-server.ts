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
  const starttls = net.createServer((socket) => void new TcpTransport(core, socket, options, secureContext));
  const directTls = secureContext
    ? tls.createServer({ key: tlsMaterial!.key, cert: tlsMaterial!.cert, minVersion: 'TLSv1.2' }, (socket) => void new TcpTransport(core, socket, options, secureContext))
    : undefined;
  return { starttls, directTls };
}
