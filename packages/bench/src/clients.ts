// One entry point for the three bench clients, and the naming of bench users (u1, u2, …).
import { connectBosh, type BoshOptions } from './bosh-client.js';
import { connectTcp } from './tcp-client.js';
import { connectWs } from './ws-client.js';
import type { Endpoint, TransportName, XmppConnection } from './xmpp-connection.js';

export interface Account {
  prefix: string;
  password: string;
}

export function username(account: Account, index: number): string {
  return `${account.prefix}${index + 1}`;
}

export function bareJid(account: Account, index: number, domain: string): string {
  return `${username(account, index)}@${domain}`;
}

export function connect(transport: TransportName, endpoint: Endpoint, account: Account, index: number, bosh: BoshOptions = { wait: 60 }): Promise<XmppConnection> {
  const credentials = { username: username(account, index), password: account.password, resource: 'bench' };
  if (transport === 'tcp') return connectTcp(endpoint, credentials);
  if (transport === 'ws') return connectWs(endpoint, credentials);
  return connectBosh(endpoint, credentials, bosh);
}
