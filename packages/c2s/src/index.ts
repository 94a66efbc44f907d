// @deskchat/c2s: XMPP client connections over TCP (RFC 6120), behind core's Session port.
export { createC2sServers, type C2sServers, type TlsMaterial } from './c2s-server.js';
export { TcpTransport } from './tcp-transport.js';
export { DEFAULT_C2S_OPTIONS, parseC2sOptions, type C2sOptions } from './options.js';
