// The `deskchat` command as a newcomer uses it: start on the embedded store, add users while it
// runs, sign in; SIGTERM closes streams with system-shutdown (RFC 6120 §4.9.3.22) and exits 0;
// a busy port and a bad setting stop the start with a message that names the key; in a cluster the
// administration commands need only DESKCHAT_REDIS_URL.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { freePort, startRedisServer } from '@deskchat/testing';
import { RawConnection, STREAM_HEADER, repoRoot, signIn, startDeskchatProcess, stopClient, tempDir } from './__tests__/e2e-helpers.js';

const cli = path.join(repoRoot, 'packages/server/dist/cli.js');
const children: ChildProcess[] = [];

function env(dataDir: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DESKCHAT_DATA_DIR: dataDir, DESKCHAT_C2S_PORT: String(port), DESKCHAT_C2S_HOST: '127.0.0.1', DESKCHAT_C2S_TLS_PORT: '0', DESKCHAT_HTTP_PORT: '0', DESKCHAT_ADMIN_PORT: '0', DESKCHAT_FILES_PROXY_PORT: '0', DESKCHAT_LOG_LEVEL: 'info', ...extra };
}

/** Starts `deskchat start` and resolves once it logs that it started. */
function startCli(dir: string, port: number, dataDir = dir): Promise<{ child: ChildProcess; output: () => string }> {
  return startDeskchatProcess(env(dataDir, port), dir, children);
}

function runCli(args: string[], dataDir: string, port: number, extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { env: env(dataDir, port, extra), cwd: dataDir, encoding: 'utf8', timeout: 20_000 });
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('deskchat start', () => {
  it('starts on a fresh data directory, takes users added while running, and serves them', async () => {
    const dir = tempDir();
    const port = await freePort();
    const dataDir = path.join(dir, 'fresh', 'data'); // does not exist yet: created on first start
    const { child } = await startCli(dir, port, dataDir);
    expect(fs.existsSync(path.join(dataDir, 'deskchat.sqlite'))).toBe(true);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    const added = runCli(['user', 'add', 'alice', '--password', 'pw-alice'], dir, port, { DESKCHAT_DATA_DIR: dataDir });
    expect(added.status).toBe(0);
    const xmpp = await signIn(port, 'alice', 'pw-alice', 'cli');
    expect(xmpp.jid?.toString()).toBe('alice@localhost/cli');
    await stopClient(xmpp);
    child.kill('SIGTERM');
  });

  it('closes every stream with system-shutdown on SIGTERM and exits 0', async () => {
    const dir = tempDir();
    const port = await freePort();
    const { child, output } = await startCli(dir, port);
    const raw = await RawConnection.connect(port);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    await raw.waitFor(/<system-shutdown xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']\/>.*<\/stream:stream>/s);
    expect(await exited).toBe(0);
    expect(output()).toMatch(/shutting down/);
  });

  it('lets the unbind hooks of signed-in users run before unloading modules on SIGTERM: no error is logged (issue #7 §3)', async () => {
    const dir = tempDir();
    const port = await freePort();
    const { child, output } = await startCli(dir, port);
    expect(runCli(['user', 'add', 'dora', '--password', 'pw-dora'], dir, port).status).toBe(0);
    const dora = await signIn(port, 'dora', 'pw-dora', 'desk');
    const { xml } = await import('@xmpp/client');
    await dora.send(xml('presence', {}, xml('show', {}, 'chat')));
    await dora.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' }))); // presence handled
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const errors = output().split('\n').filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  });

  it('is linked as `npx deskchat` through the committed launcher, whatever was built at install time (issue #7 §6)', () => {
    const linked = path.join(repoRoot, 'node_modules/.bin/deskchat');
    expect(fs.realpathSync(linked)).toBe(path.join(repoRoot, 'packages/server/bin/deskchat.js'));
    const help = spawnSync(linked, ['--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: deskchat <command>/);
  });

  it("builds only what the server needs for npm start, and nothing when it is up to date (issue #7 §6)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/^tsc -b packages\/server && /);
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-b', 'packages/server', '--verbose'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(build.status).toBe(0);
    expect(build.stdout).not.toMatch(/Building project/);
    expect(build.stdout).not.toMatch(/bench|testing/);
  });

  it('fails at once with a clear message when the port is busy', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen({ host: '127.0.0.1', port });
    await new Promise((r) => blocker.once('listening', r));
    try {
      const result = runCli(['start'], tempDir(), port);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`port ${port} (c2s.port): is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('refuses an invalid setting with a message naming the key', async () => {
    const result = runCli(['start'], tempDir(), 5222, { DESKCHAT_C2S_PORT: 'seventy' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/c2s\.port: must be an integer 0\.\.65535/);
    const bad = runCli(['start'], tempDir(), 5222, { DESKCHAT_DOMAIN: 'not a domain!' });
    expect(bad.stderr).toMatch(/^deskchat: domain: must be a DNS domain name/m);
  });

  it('never writes message bodies to the log at info level', async () => {
    const dir = tempDir();
    const port = await freePort();
    const { output } = await startCli(dir, port);
    expect(runCli(['user', 'add', 'bob', '--password', 'pw-bob'], dir, port).status).toBe(0);
    expect(runCli(['user', 'add', 'carol', '--password', 'pw-carol'], dir, port).status).toBe(0);
    const bob = await signIn(port, 'bob', 'pw-bob', 'a');
    const carol = await signIn(port, 'carol', 'pw-carol', 'b');
    const { xml } = await import('@xmpp/client');
    const got = new Promise((resolve) => carol.on('stanza', (el) => el.is('message') && resolve(el)));
    await bob.send(xml('message', { to: 'carol@localhost/b', type: 'chat' }, xml('body', {}, 'card number 4111-SECRET')));
    await got;
    await Promise.all([stopClient(bob), stopClient(carol)]);
    expect(output()).toContain('session bound');
    expect(output()).not.toContain('4111-SECRET');
  });

  it('runs the user and cluster commands on a cluster\'s Redis given DESKCHAT_REDIS_URL alone (no node name)', async () => {
    const redis = await startRedisServer();
    try {
      const dir = tempDir();
      const cluster = { DESKCHAT_REDIS_URL: redis.url };
      const added = runCli(['user', 'add', 'alice', '--password', 'pw-alice'], dir, 5222, cluster);
      expect([added.status, added.stderr]).toEqual([0, 'user alice added (no node has joined the cluster yet: the first node it signs in on keeps it)\n']);
      expect(fs.existsSync(path.join(dir, 'deskchat.sqlite'))).toBe(false); // not on SQLite
      const status = runCli(['cluster', 'status'], dir, 5222, cluster);
      expect([status.status, status.stdout, status.stderr]).toEqual([0, 'NODE  PAIR  STATE  LAST HEARTBEAT  SESSIONS  USERS\n', '0 nodes (0 alive) in 0 pairs\n']);
      const single = runCli(['cluster', 'status'], dir, 5222);
      expect(single.status).toBe(1);
      expect(single.stderr).toMatch(/^deskchat: cluster status needs a cluster/);
    } finally {
      await redis.stop();
    }
  });
});
