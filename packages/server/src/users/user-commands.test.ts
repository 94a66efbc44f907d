// `deskchat user …` end to end on a real SQLite data directory, with fake stdin/stdout/stderr.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { checkPassword, type Account } from '@deskchat/core';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { freePort } from '@deskchat/testing';
import { parseConfig } from '../config.js';
import { runUserCommand } from './user-commands.js';

let dir: string;
/** The admin port of the config: nothing listens there unless a test starts something (remove-on-server.ts). */
let adminPort: number;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskchat-users-'));
  adminPort = await freePort();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface RunOptions {
  /** Written to stdin, which then ends (unless isTTY: a terminal stays open). */
  input?: string;
  isTTY?: boolean;
}

async function run(args: string[], options: RunOptions = {}) {
  const stdin = Object.assign(new PassThrough(), options.isTTY ? { isTTY: true, setRawMode: jest.fn() } : {});
  if (options.isTTY) stdin.write(options.input ?? '');
  else stdin.end(options.input ?? '');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const config = parseConfig({ dataDir: join(dir, 'data'), admin: { port: adminPort } }, dir);
  const code = await runUserCommand(args, { config, stdin, stdout, stderr });
  return { code, out, err };
}

async function stored(username: string): Promise<Account | undefined> {
  const stores = openSqliteStores(join(dir, 'data'));
  try {
    return await stores.accounts.getAccount(username);
  } finally {
    stores.close();
  }
}

function verifies(account: Account | undefined, password: string): boolean {
  return !!account && checkPassword('SHA-1', account.credentials['SHA-1'], password) && checkPassword('SHA-256', account.credentials['SHA-256'], password);
}

describe('deskchat user add', () => {
  it('creates a lower-cased account with name and email from --password, storing only SCRAM keys', async () => {
    const result = await run(['add', 'Alice', '--password', 'wonder land', '--name', 'Alice Liddell', '--email', 'alice@example.com']);
    expect(result).toEqual({ code: 0, out: '', err: 'user alice added\n' });
    const account = await stored('alice');
    expect(account).toMatchObject({ username: 'alice', name: 'Alice Liddell', email: 'alice@example.com' });
    expect(verifies(account, 'wonder land')).toBe(true);
    expect(JSON.stringify(account)).not.toContain('wonder');
  });

  it('generates, prints once and stores a strong password when stdin is not a terminal', async () => {
    const result = await run(['add', 'bob']);
    expect(result.code).toBe(0);
    const match = /^Generated password for bob: ([A-Za-z0-9_-]{24})\n$/.exec(result.out);
    expect(match).not.toBeNull();
    expect(verifies(await stored('bob'), match![1]!)).toBe(true);
  });

  it('reads the first line of stdin with --password-stdin', async () => {
    const result = await run(['add', 'carol', '--password-stdin'], { input: 'from stdin\r\nignored\n' });
    expect(result.code).toBe(0);
    expect(result.out).toBe('');
    expect(verifies(await stored('carol'), 'from stdin')).toBe(true);
  });

  it('prompts twice without echo on a terminal and requires both entries to match', async () => {
    const ok = await run(['add', 'dave'], { isTTY: true, input: 'typed pw\rtyped pw\r' });
    expect(ok).toEqual({ code: 0, out: '', err: 'Password for dave: \nRepeat password: \nuser dave added\n' });
    expect(verifies(await stored('dave'), 'typed pw')).toBe(true);

    const mismatch = await run(['add', 'erin'], { isTTY: true, input: 'one\rtwo\r' });
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toContain('deskchat: the passwords do not match');
    expect(await stored('erin')).toBeUndefined();
  });

  it('refuses an existing user with exit code 1', async () => {
    await run(['add', 'alice', '--password', 'a']);
    const result = await run(['add', 'ALICE', '--password', 'b']);
    expect(result).toEqual({ code: 1, out: '', err: 'deskchat: user alice already exists\n' });
    expect(verifies(await stored('alice'), 'a')).toBe(true);
  });

  it('rejects an invalid username (RFC 7622 §3.3) with a clear message', async () => {
    const result = await run(['add', 'a b', '--password', 'x']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^deskchat: invalid username 'a b': a username is an XMPP localpart \(RFC 7622 §3\.3\)/);
  });

  it.each([
    ['empty', '', 'empty password'],
    ['too long', 'x'.repeat(1024), 'password longer than 1023 characters'],
    ['with a control character', 'a\u0007b', 'password contains a control character'],
  ])('rejects a password that is %s (1..1023 characters, no control characters, RFC 4013)', async (_case, password, message) => {
    const result = await run(['add', 'frank', '--password', password]);
    expect(result).toEqual({ code: 1, out: '', err: `deskchat: ${message}\n` });
    expect(await stored('frank')).toBeUndefined();
  });

  it('accepts a password of exactly 1023 characters', async () => {
    expect((await run(['add', 'gina', '--password', 'é'.repeat(1023)])).code).toBe(0);
  });

  it.each([
    [['add'], 'missing argument'],
    [['add', 'a', 'b'], "unexpected argument 'b'"],
    [['add', 'a', '--colour', 'red'], "Unknown option '--colour'"],
    [['add', 'a', '--password', 'x', '--password-stdin'], 'give either --password or --password-stdin, not both'],
  ])('exits with 2 and the usage on bad arguments: %j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err).toContain('Usage: deskchat user add <username>');
  });
});

describe('deskchat user passwd', () => {
  it('replaces the password from --password-stdin', async () => {
    await run(['add', 'alice', '--password', 'old']);
    const result = await run(['passwd', 'alice', '--password-stdin'], { input: 'new one\n' });
    expect(result).toEqual({ code: 0, out: '', err: 'password of alice changed\n' });
    const account = await stored('alice');
    expect(verifies(account, 'new one')).toBe(true);
    expect(verifies(account, 'old')).toBe(false);
  });

  it('generates and prints a new password without a terminal', async () => {
    await run(['add', 'alice', '--password', 'old']);
    const result = await run(['passwd', 'alice']);
    const password = /^Generated password for alice: (\S+)\n$/.exec(result.out)?.[1];
    expect(verifies(await stored('alice'), password!)).toBe(true);
  });

  it('fails with exit code 1 for an unknown user, before asking for a password', async () => {
    const result = await run(['passwd', 'nobody'], { isTTY: true });
    expect(result).toEqual({ code: 1, out: '', err: 'deskchat: no such user nobody\n' });
  });
});

describe('deskchat user remove', () => {
  it('removes the account', async () => {
    await run(['add', 'alice', '--password', 'x']);
    const notRunning = `the server is not running (nothing answers on 127.0.0.1:${adminPort}, the admin port): removing alice in the data directory only\n`;
    expect(await run(['remove', 'Alice'])).toEqual({ code: 0, out: '', err: `${notRunning}user alice removed\n` });
    expect(await stored('alice')).toBeUndefined();
  });

  it("also removes the user's roster, vCard, offline messages, private data, block list, archive and PEP nodes", async () => {
    await run(['add', 'alice', '--password', 'x']);
    const stores = openSqliteStores(join(dir, 'data'));
    await stores.roster.setItem('alice', { jid: 'bob@localhost', groups: ['Team'], subscription: 'both', isPendingOut: false, isPreApproved: false });
    await stores.vcards.setVCard('alice', { xml: '<vCard xmlns="vcard-temp"><FN>Alice</FN></vCard>', fields: { fn: 'Alice' } });
    await stores.offline.storeMessage('alice', { stanza: '<message/>', storedAt: 1 }, { maxMessages: 10, maxBytes: 1_000_000 });
    await stores.privateXml.setItem('alice', 'x urn:x', '<x xmlns="urn:x"/>');
    await stores.blockList.block('alice', ['mallory@localhost']);
    await stores.archive.append('alice', { at: 1, with: ['bob@localhost'], stanza: '<message/>' }, { maxMessages: 10, maxBytes: 1_000_000 });
    await stores.archive.setPrefs('alice', { default: 'never', always: [], never: [] });
    await stores.pep.setNode('alice', 'urn:xmpp:avatar:metadata', { accessModel: 'presence', maxItems: 1, persistItems: true, notifyRetract: false, sendLastPublishedItem: 'on_sub_and_presence' });
    stores.close();
    expect((await run(['remove', 'alice'])).code).toBe(0);
    const after = openSqliteStores(join(dir, 'data'));
    try {
      expect((await after.roster.getRoster('alice')).items).toEqual([]);
      expect(await after.vcards.getVCard('alice')).toBeUndefined();
      expect(await after.offline.countMessages('alice')).toBe(0);
      expect(await after.privateXml.getItem('alice', 'x urn:x')).toBeUndefined();
      expect(await after.blockList.getBlockList('alice')).toEqual([]);
      expect(await after.archive.usage('alice')).toEqual({ messages: 0, bytes: 0 });
      expect(await after.archive.getPrefs('alice')).toBeUndefined();
      expect(await after.pep.listNodes('alice')).toEqual([]);
    } finally {
      after.close();
    }
  });

  it("with no server running, still takes the user out of contacts' stored rosters, rooms and pubsub subscriptions", async () => {
    for (const user of ['alice', 'bob']) await run(['add', user, '--password', 'x']);
    const stores = openSqliteStores(join(dir, 'data'));
    await stores.roster.setItem('alice', { jid: 'bob@localhost', groups: [], subscription: 'both', isPendingOut: false, isPreApproved: false });
    await stores.roster.setItem('bob', { jid: 'alice@localhost', name: 'Al', groups: ['Team'], subscription: 'both', isPendingOut: false, isPreApproved: false });
    await stores.mucRooms.putRoom('conference.localhost', { room: 'ops', isPersistent: true, config: '{}', createdAt: 1 });
    await stores.mucRooms.setAffiliations('conference.localhost', 'ops', [{ jid: 'alice@localhost', affiliation: 'owner' }, { jid: 'bob@localhost', affiliation: 'member' }]);
    await stores.pubsubSubscriptions.subscribe('news', 'alice@localhost');
    stores.close();
    expect((await run(['remove', 'alice'])).code).toBe(0);
    const after = openSqliteStores(join(dir, 'data'));
    try {
      expect(await after.roster.getItem('bob', 'alice@localhost')).toEqual({ jid: 'alice@localhost', name: 'Al', groups: ['Team'], subscription: 'none', isPendingOut: false, isPreApproved: false });
      expect(await after.mucRooms.getAffiliations('conference.localhost', 'ops')).toEqual([{ jid: 'bob@localhost', affiliation: 'member' }]);
      expect(await after.pubsubSubscriptions.subscribersOf('news')).toEqual([]);
    } finally {
      after.close();
    }
  });

  it('fails with exit code 1 when there is no such user', async () => {
    expect(await run(['remove', 'ghost'])).toEqual({ code: 1, out: '', err: 'deskchat: no such user ghost\n' });
  });

  it('with admin.port 0, cannot find a running server and removes in the data directory, saying so', async () => {
    await run(['add', 'alice', '--password', 'x']);
    adminPort = 0;
    expect((await run(['remove', 'alice'])).err).toBe('admin.port is 0 (a free port chosen at start), so a running server cannot be found: removing alice in the data directory only\nuser alice removed\n');
    expect(await stored('alice')).toBeUndefined();
    const stores = openSqliteStores(join(dir, 'data'));
    try {
      expect((await stores.audit.list({ limit: 10 })).map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual(['cli user.remove alice']);
    } finally {
      stores.close();
    }
  });

  it("reports the running server's refusal and does not fall back to the store; its one-time token is revoked", async () => {
    await run(['add', 'alice', '--password', 'x']);
    // Something that looks like the admin API (GET /healthz) and fails the removal as the API does.
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${/^Bearer dct_/.test(req.headers.authorization ?? '') ? 'with a token' : 'without a token'}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/healthz') return res.end(JSON.stringify({ status: 'ok' }));
      res.statusCode = 503;
      res.end(JSON.stringify({ error: 'not-ready', reason: 'storage is unavailable' }));
    });
    await new Promise<void>((resolve) => server.listen(adminPort, '127.0.0.1', resolve));
    try {
      expect(await run(['remove', 'alice'])).toEqual({ code: 1, out: '', err: `deskchat: the server on 127.0.0.1:${adminPort} could not remove alice: 503 storage is unavailable\n` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(seen).toEqual(['GET /healthz without a token', 'DELETE /api/v1/users/alice with a token']);
    expect(await stored('alice')).toBeDefined();
    const stores = openSqliteStores(join(dir, 'data'));
    try {
      expect(await stores.apiTokens.listTokens()).toEqual([]);
      const audit = (await stores.audit.list({ limit: 10 })).map((e) => `${e.actor} ${e.action} ${e.target?.replace(/[0-9a-f]{8}$/, 'X')}`);
      expect(audit.reverse()).toEqual(['cli token.create cli-user-remove-X', 'cli token.revoke cli-user-remove-X']);
    } finally {
      stores.close();
    }
  });
  it('revokes the one-time tokens that removals killed midway left behind (older than ten minutes), and no other token', async () => {
    await run(['add', 'alice', '--password', 'x']);
    const before = openSqliteStores(join(dir, 'data'));
    const old = Date.now() - 11 * 60_000;
    try {
      await before.apiTokens.createToken({ name: 'cli-user-remove-0badf00d', hash: 'a'.repeat(64), createdAt: old, createdBy: 'cli' });
      await before.apiTokens.createToken({ name: 'cli-user-remove-5ca1ab1e', hash: 'b'.repeat(64), createdAt: Date.now(), createdBy: 'cli' }); // another removal, still running
      await before.apiTokens.createToken({ name: 'cli-user-remove-by-hand', hash: 'c'.repeat(64), createdAt: old, createdBy: 'admin:root' });
    } finally {
      before.close();
    }
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url === '/healthz' ? { status: 'ok' } : { username: 'alice', sessionsEnded: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(adminPort, '127.0.0.1', resolve));
    try {
      expect((await run(['remove', 'alice'])).code).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const after = openSqliteStores(join(dir, 'data'));
    try {
      expect((await after.apiTokens.listTokens()).map((t) => t.name)).toEqual(['cli-user-remove-5ca1ab1e', 'cli-user-remove-by-hand']);
      const audit = (await after.audit.list({ limit: 10 })).map((e) => `${e.action} ${e.target}`).reverse();
      expect(audit[0]).toBe('token.revoke cli-user-remove-0badf00d');
    } finally {
      after.close();
    }
  });
});

describe('deskchat user list', () => {
  it('prints one tab-separated line per user in username order and the total on stderr', async () => {
    await run(['add', 'bob', '--password', 'x']);
    await run(['add', 'alice', '--password', 'x', '--name', 'Alice L', '--email', 'a@example.com']);
    const result = await run(['list']);
    expect(result.code).toBe(0);
    const lines = result.out.trimEnd().split('\n').map((l) => l.split('\t'));
    expect(lines.map((l) => l.slice(0, 3))).toEqual([
      ['alice', 'Alice L', 'a@example.com'],
      ['bob', '', ''],
    ]);
    expect(lines.map((l) => l[3])).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), expect.any(String)]);
    expect(result.err).toBe('2 users\n');
  });
});

describe('deskchat user import', () => {
  it('imports a CSV file, prints the summary and each row error, and exits 1 when a row failed', async () => {
    await run(['add', 'carol', '--password', 'x']);
    const file = join(dir, 'users.csv');
    writeFileSync(file, '\uFEFFusername,name,password\r\nalice,"Liddell, Alice",pw1\r\nbob,,pw2\r\ncarol,,pw3\r\na b,,pw4\r\nALICE,,pw5\r\n');
    const result = await run(['import', file]);
    expect(result.code).toBe(1);
    expect(result.out).toBe('imported 2, skipped 1 (already exist), errors 2\n');
    expect(result.err).toBe("processed 3/3\nline 5: invalid username 'a b'\nline 6: duplicate of line 2\n");
    expect(await stored('alice')).toMatchObject({ name: 'Liddell, Alice' });
    expect(verifies(await stored('bob'), 'pw2')).toBe(true);
  });

  it('exits 0 when every row imported, reading the file from stdin with -', async () => {
    const result = await run(['import', '-'], { input: 'username,password\ndave,pw\n' });
    expect(result).toEqual({ code: 0, out: 'imported 1, skipped 0 (already exist), errors 0\n', err: 'processed 1/1\n' });
  });

  it('fails with exit code 1 and imports nothing when the header names an unknown column', async () => {
    const result = await run(['import', '-'], { input: 'username,password,phone\nann,pw,1\n' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^deskchat: unknown column 'phone'/);
    expect(await stored('ann')).toBeUndefined();
  });

  it('fails with exit code 1 when the file cannot be read', async () => {
    const result = await run(['import', join(dir, 'missing.csv')]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^deskchat: cannot read .*missing\.csv: ENOENT/);
  });
});

describe('deskchat user', () => {
  it('exits 2 with the usage for an unknown or missing subcommand', async () => {
    for (const args of [['frobnicate'], []]) {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.err).toContain('deskchat user import <file.csv>');
    }
  });
});
