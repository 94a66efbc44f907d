// Other XMPP servers to compare with: a Prosody started by scripts/bench-prosody.sh (which writes
// its config and accounts in a temporary directory), or any server already running on loopback.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Account } from './clients.js';
import { REPO_ROOT, type LaunchedServer } from './deskchat-node.js';
import type { ServerAddress } from './options.js';
import type { Endpoint } from './xmpp-connection.js';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts/bench-prosody.sh');

export async function startProsody(users: number, account: Account, paths: Pick<Endpoint, 'boshPath' | 'wsPath'>, log: (line: string) => void): Promise<LaunchedServer> {
  const { stdout } = await run('bash', [SCRIPT, 'start', String(users), account.prefix, account.password], { maxBuffer: 1 << 20 });
  const started = JSON.parse(stdout.trim().split('\n').pop()!) as { pid: number; c2sPort: number; httpPort: number; dir: string };
  log(`Prosody pid ${started.pid} on 127.0.0.1 c2s ${started.c2sPort}, http ${started.httpPort}; files in ${started.dir}`);
  return {
    name: 'prosody',
    endpoint: { host: '127.0.0.1', c2sPort: started.c2sPort, httpPort: started.httpPort, domain: 'localhost', ...paths },
    account,
    pid: started.pid,
    stop: async () => {
      await run('bash', [SCRIPT, 'stop', started.dir]).catch((err: Error) => log(`stopping Prosody: ${err.message}`));
    },
  };
}

/** A server somebody else started; the bench neither starts nor stops it. */
export function externalServer(name: string, address: ServerAddress, domain: string, account: Account, paths: Pick<Endpoint, 'boshPath' | 'wsPath'>): LaunchedServer {
  return {
    name,
    endpoint: { host: address.host, c2sPort: address.c2sPort, httpPort: address.httpPort, domain, ...paths },
    account,
    pid: address.pid,
    stop: async () => {},
  };
}
