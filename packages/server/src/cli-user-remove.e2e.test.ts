// `deskchat user remove` on a single node, as an operator runs it: the real `deskchat start` and the
// real CLI, two processes on one data directory. With the server running, the CLI has it remove
// the user through its admin API (users/remove-on-server.ts), so her session ends with
// `not-authorized` and her contact's client is told live (RFC 6121 §2.5.2: a roster push with no
// subscription, her presence gone), and the one-time token the CLI made for it is gone afterwards.
// With no server, the CLI removes in the store and says why.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Client } from '@xmpp/client';
import { deriveCredentials } from '@deskchat/core';
import { NS } from '@deskchat/protocol';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { freePort } from '@deskchat/testing';
import { isPresenceFrom, rosterPushOfNone, signInWithRoster } from './__tests__/client-inbox.js';
import { repoRoot, signIn, startDeskchatProcess, stopClient, tempDir } from './__tests__/e2e-helpers.js';

const cli = path.join(repoRoot, 'packages/server/dist/cli.js');
const BOOTSTRAP_TOKEN = 'cli-user-remove-e2e-bootstrap';
const children: ChildProcess[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map(stopClient));
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

interface Node {
  dataDir: string;
  c2sPort: number;
  adminPort: number;
}

/** A data directory with alice and bob, each in the other's roster with subscription both. */
async function seededNode(): Promise<Node> {
  const dataDir = path.join(tempDir(), 'data');
  const stores = openSqliteStores(dataDir);
  try {
    for (const user of ['alice', 'bob']) await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`) });
    const item = (jid: string) => ({ jid, groups: ['Agents'], subscription: 'both' as const, isPendingOut: false, isPreApproved: false });
    await stores.roster.setItem('alice', item('bob@localhost'));
    await stores.roster.setItem('bob', item('alice@localhost'));
  } finally {
    stores.close();
  }
  return { dataDir, c2sPort: await freePort(), adminPort: await freePort() };
}

/** The same configuration for the server and the CLI: what lets the CLI find the server's admin port. */
function env(node: Node): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DESKCHAT_DATA_DIR: node.dataDir,
    DESKCHAT_C2S_HOST: '127.0.0.1',
    DESKCHAT_C2S_PORT: String(node.c2sPort),
    DESKCHAT_C2S_TLS_PORT: '0',
    DESKCHAT_HTTP_PORT: '0',
    DESKCHAT_FILES_PROXY_PORT: '0',
    DESKCHAT_ADMIN_HOST: '127.0.0.1',
    DESKCHAT_ADMIN_PORT: String(node.adminPort),
    DESKCHAT_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
    DESKCHAT_LOG_LEVEL: 'warn',
  };
}

async function startServer(node: Node): Promise<void> {
  await startDeskchatProcess({ ...env(node), DESKCHAT_LOG_LEVEL: 'info' }, node.dataDir, children, 15_000);
}

/** Runs the CLI without blocking this process (the clients must keep reading). */
function runCli(node: Node, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: env(node), cwd: node.dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

const online = (node: Node, username: string) => signInWithRoster(node.c2sPort, username, `pw-${username}`, (xmpp) => clients.push(xmpp));

describe('deskchat user remove on a single node', () => {
  it("has the running server remove a signed-in user: her session ends (not-authorized), her contact gets a roster push, the CLI's token is gone", async () => {
    const node = await seededNode();
    await startServer(node);
    const alice = await online(node, 'alice');
    const bob = await online(node, 'bob');
    await bob.inbox.next(isPresenceFrom(undefined, 'alice@localhost/desk'));

    const removed = await runCli(node, ['user', 'remove', 'alice']);
    expect(removed).toEqual({ status: 0, stdout: '', stderr: 'user alice removed by the running server; 1 signed-in session ended\n' });

    const push = await bob.inbox.next(rosterPushOfNone('alice@localhost'));
    expect(push.getChild('query', NS.ROSTER)!.getChild('item')!.attrs).toEqual({ jid: 'alice@localhost', subscription: 'none' });
    await bob.inbox.next(isPresenceFrom('unavailable', 'alice@localhost/desk'));
    for (const deadline = Date.now() + 8000; alice.streamErrors.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(alice.streamErrors).toEqual(['not-authorized']);
    await expect(signIn(node.c2sPort, 'alice', 'pw-alice')).rejects.toThrow();

    // The one-time token was revoked; the audit log names it as the remover, and the CLI as its maker.
    expect(await runCli(node, ['admin', 'token', 'list'])).toEqual({ status: 0, stdout: '', stderr: '0 tokens\n' });
    const audit = (await (await fetch(`http://127.0.0.1:${node.adminPort}/api/v1/audit`, { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } })).json()) as { actor: string; action: string; target: string }[];
    const token = audit.find((e) => e.action === 'token.create')!.target;
    expect(token).toMatch(/^cli-user-remove-[0-9a-f]{8}$/);
    expect(audit.filter((e) => /^(token|user)\./.test(e.action)).map((e) => `${e.actor} ${e.action} ${e.target}`).reverse()).toEqual([`cli token.create ${token}`, `token:${token} user.remove alice`, `cli token.revoke ${token}`]);
  }, 60_000);

  it('with no server running, removes the user in the data directory and says so', async () => {
    const node = await seededNode();
    const removed = await runCli(node, ['user', 'remove', 'alice']);
    expect(removed).toEqual({ status: 0, stdout: '', stderr: `the server is not running (nothing answers on 127.0.0.1:${node.adminPort}, the admin port): removing alice in the data directory only\nuser alice removed\n` });
    expect(await runCli(node, ['user', 'list'])).toMatchObject({ status: 0, stderr: '1 user\n' });
    expect(await runCli(node, ['admin', 'token', 'list'])).toEqual({ status: 0, stdout: '', stderr: '0 tokens\n' });
  }, 30_000);
});
