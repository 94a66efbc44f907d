// `deskchat admin …` end to end on a real SQLite data directory, with fake stdin/stdout/stderr.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { tokenHash, verifyPassword } from '@deskchat/admin';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { parseConfig } from '../config.js';
import { runAdminCommand } from './admin-commands.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deskchat-admins-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], options: { input?: string; isTTY?: boolean } = {}) {
  const stdin = Object.assign(new PassThrough(), options.isTTY ? { isTTY: true, setRawMode: jest.fn() } : {});
  if (options.isTTY) stdin.write(options.input ?? '');
  else stdin.end(options.input ?? '');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const config = parseConfig({ dataDir: join(dir, 'data'), tls: {} }, dir);
  const code = await runAdminCommand(args, { config, stdin, stdout, stderr, now: () => 1_700_000_000_000 });
  return { code, out, err };
}

async function inStore<T>(read: (stores: ReturnType<typeof openSqliteStores>) => Promise<T>): Promise<T> {
  const stores = openSqliteStores(join(dir, 'data'));
  try {
    return await read(stores);
  } finally {
    stores.close();
  }
}

describe('deskchat admin add', () => {
  it('adds an admin from --password-stdin, stored as scrypt, and audits it without the password', async () => {
    const result = await run(['add', 'Root', '--password-stdin'], { input: 'long enough password\n' });
    expect(result).toEqual({ code: 0, out: '', err: 'admin root added\n' });
    const admin = await inStore((s) => s.admins.getAdmin('root'));
    expect(admin?.passwordHash).toMatch(/^scrypt\$15\$8\$1\$/);
    await expect(verifyPassword('long enough password', admin!.passwordHash)).resolves.toBe(true);
    const audit = await inStore((s) => s.audit.list());
    expect(audit).toEqual([{ id: expect.any(Number), at: 1_700_000_000_000, actor: 'cli', action: 'admin.add', target: 'root', newValue: { name: 'root' } }]);
    expect(JSON.stringify(audit)).not.toContain('long enough password');
  });

  it('prompts twice without echo on a terminal and requires both entries to match', async () => {
    const ok = await run(['add', 'ops'], { isTTY: true, input: 'typed password\rtyped password\r' });
    expect(ok).toEqual({ code: 0, out: '', err: 'Password for admin ops: \nRepeat password: \nadmin ops added\n' });
    const mismatch = await run(['add', 'dev'], { isTTY: true, input: 'one password\rtwo password\r' });
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toContain('deskchat: the passwords do not match');
  });

  it('generates and prints a password once without a terminal', async () => {
    const result = await run(['add', 'ops']);
    const password = /^Generated password for admin ops: (\S+)\n$/.exec(result.out)?.[1];
    expect(password).toBeDefined();
    await expect(verifyPassword(password!, (await inStore((s) => s.admins.getAdmin('ops')))!.passwordHash)).resolves.toBe(true);
  });

  it.each([
    [['add', 'a b', '--password-stdin'], 'long enough password\n', /^deskchat: invalid admin name 'a b': an admin name is 1\.\.64 characters/],
    [['add', 'root', '--password-stdin'], 'short\n', /^deskchat: an admin password needs at least 10 characters/],
  ])('refuses %j with exit code 1 and a reason', async (args, input, message) => {
    const result = await run(args, { input });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(await inStore((s) => s.admins.listAdmins())).toEqual([]);
  });

  it('refuses an existing admin', async () => {
    await run(['add', 'root', '--password-stdin'], { input: 'long enough password\n' });
    expect(await run(['add', 'ROOT', '--password-stdin'], { input: 'other password 12\n' })).toEqual({ code: 1, out: '', err: 'deskchat: admin root already exists\n' });
  });

  it('exits 2 with the usage on bad arguments', async () => {
    for (const args of [['add'], ['add', 'a', 'b'], ['add', 'a', '--password', 'x'], ['frobnicate'], [], ['token', 'mint', 'x']]) {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.err).toContain('deskchat admin');
    }
  });
});

describe('deskchat admin passwd / remove / list', () => {
  it('changes a password (audited) and refuses an unknown admin', async () => {
    await run(['add', 'root', '--password-stdin'], { input: 'long enough password\n' });
    expect((await run(['passwd', 'root', '--password-stdin'], { input: 'a new long password\n' })).code).toBe(0);
    const admin = (await inStore((s) => s.admins.getAdmin('root')))!;
    await expect(verifyPassword('a new long password', admin.passwordHash)).resolves.toBe(true);
    expect((await inStore((s) => s.audit.list()))[0]).toMatchObject({ action: 'admin.password.change', target: 'root' });
    expect(await run(['passwd', 'ghost', '--password-stdin'], { input: 'a new long password\n' })).toEqual({ code: 1, out: '', err: 'deskchat: no such admin ghost\n' });
  });

  it('lists admins, removes one (audited), and never the last one', async () => {
    await run(['add', 'root', '--password-stdin'], { input: 'long enough password\n' });
    await run(['add', 'ops', '--password-stdin'], { input: 'long enough password\n' });
    const list = await run(['list']);
    expect(list.out).toBe('ops\t2023-11-14T22:13:20Z\t2023-11-14T22:13:20Z\nroot\t2023-11-14T22:13:20Z\t2023-11-14T22:13:20Z\n');
    expect(list.err).toBe('2 admins\n');
    expect(await run(['remove', 'ops'])).toEqual({ code: 0, out: '', err: 'admin ops removed\n' });
    expect((await inStore((s) => s.audit.list()))[0]).toMatchObject({ action: 'admin.remove', target: 'ops' });
    expect(await run(['remove', 'root'])).toEqual({ code: 1, out: '', err: 'deskchat: admin root is the last admin account; add another one first\n' });
    expect(await run(['remove', 'ghost'])).toEqual({ code: 1, out: '', err: 'deskchat: no such admin ghost\n' });
  });
});

describe('deskchat admin token', () => {
  it('creates a token printed once and stored only as its hash, lists and revokes it (audited)', async () => {
    const created = await run(['token', 'create', 'phone-system']);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^dct_[\w-]{43}$/);
    expect(created.err).toContain('only time it is shown');
    await expect(inStore((s) => s.apiTokens.findTokenByHash(tokenHash(token)))).resolves.toMatchObject({ name: 'phone-system', createdBy: 'cli' });
    expect((await run(['token', 'create', 'phone-system'])).err).toBe('deskchat: a token named phone-system exists; revoke it first\n');
    expect(await run(['token', 'list'])).toEqual({ code: 0, out: 'phone-system\t2023-11-14T22:13:20Z\tcli\n', err: '1 token\n' });
    expect(await run(['token', 'revoke', 'phone-system'])).toEqual({ code: 0, out: '', err: 'token phone-system revoked\n' });
    await expect(inStore((s) => s.apiTokens.findTokenByHash(tokenHash(token)))).resolves.toBeUndefined();
    expect(await run(['token', 'revoke', 'phone-system'])).toEqual({ code: 1, out: '', err: 'deskchat: no token named phone-system\n' });
    const actions = (await inStore((s) => s.audit.list())).map((e) => e.action);
    expect(actions).toEqual(['token.revoke', 'token.create']);
    expect(JSON.stringify(await inStore((s) => s.audit.list()))).not.toContain(token);
  });
});
