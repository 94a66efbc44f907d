// `deskchat user import` against the in-memory AccountStore: header rules, row errors with line
// numbers, duplicates, existing accounts, and RFC 5802 SCRAM keys instead of plaintext.
import { describe, expect, it } from '@jest/globals';
import { MemoryAccountStore, checkPassword, deriveCredentials, type Account } from '@deskchat/core';
import { CommandError } from './command-error.js';
import { formatSummary, importCsv } from './csv-import.js';

const ITERATIONS = 4096;

async function existing(accounts: MemoryAccountStore, username: string, password: string): Promise<Account> {
  const account: Account = { username, createdAt: 1, credentials: deriveCredentials(password) };
  await accounts.createAccount(account);
  return account;
}

describe('importCsv', () => {
  it('creates every valid row with name and email, in columns given in any order', async () => {
    const accounts = new MemoryAccountStore();
    const summary = await importCsv(accounts, 'email,password,username,name\r\nann@example.com,s3cret,Ann,"Smith, Ann"\r\n,pw2,bob,\r\n', {
      now: () => 1700000000000,
    });
    expect(summary).toEqual({ imported: 2, skipped: 0, errors: [] });
    expect(await accounts.listAccounts()).toEqual([
      { username: 'ann', name: 'Smith, Ann', email: 'ann@example.com', createdAt: 1700000000000 },
      { username: 'bob', createdAt: 1700000000000 },
    ]);
  });

  it('stores SCRAM keys that verify the password and never the password itself (RFC 5802 §3)', async () => {
    const accounts = new MemoryAccountStore();
    await importCsv(accounts, 'username,password\nalice,"pa,ss ""word"""\n');
    const account = (await accounts.getAccount('alice'))!;
    for (const hash of ['SHA-1', 'SHA-256'] as const) {
      expect(account.credentials[hash].iterations).toBe(ITERATIONS);
      expect(checkPassword(hash, account.credentials[hash], 'pa,ss "word"')).toBe(true);
      expect(checkPassword(hash, account.credentials[hash], 'pa,ss word')).toBe(false);
    }
    expect(JSON.stringify(account)).not.toContain('pa,ss');
    expect(account.credentials['SHA-1'].salt).not.toBe(account.credentials['SHA-256'].salt);
  });

  it('reports bad rows with their line numbers and still imports the good ones', async () => {
    const accounts = new MemoryAccountStore();
    const text = [
      'username,password', // 1
      'alice,one', // 2
      'a b,two', // 3
      'carol,', // 4
      '"dave\nsmith",x', // 5-6
      'erin,ok', // 7
      'ALICE,again', // 8
      'frank,"tab\there"', // 9
      'gina', // 10
      ',nouser', // 11
      'hank,pw', // 12
    ].join('\n');
    const summary = await importCsv(accounts, text);
    expect(summary.imported).toBe(3);
    expect(summary.skipped).toBe(0);
    expect(summary.errors).toEqual([
      { line: 3, message: "invalid username 'a b'" },
      { line: 4, message: 'empty password' },
      { line: 5, message: "invalid username 'dave\nsmith'" },
      { line: 8, message: 'duplicate of line 2' },
      { line: 9, message: 'password contains a control character' },
      { line: 10, message: 'expected 2 fields, found 1' },
      { line: 11, message: 'empty username' },
    ]);
    expect((await accounts.listAccounts()).map((a) => a.username)).toEqual(['alice', 'erin', 'hank']);
  });

  it('skips usernames that already have an account and leaves those accounts unchanged', async () => {
    const accounts = new MemoryAccountStore();
    const before = await existing(accounts, 'alice', 'old');
    const summary = await importCsv(accounts, 'username,password,name\nAlice,new,Changed\nbob,pw,Bob\n');
    expect(summary).toEqual({ imported: 1, skipped: 1, errors: [] });
    expect(await accounts.getAccount('alice')).toEqual(before);
  });

  it('counts an account created by someone else during the import as skipped', async () => {
    const accounts = new MemoryAccountStore();
    // hasAccount says "free", but the insert finds the name taken: the running server won the race.
    accounts.hasAccount = async () => false;
    await existing(accounts, 'bob', 'server');
    const summary = await importCsv(accounts, 'username,password\nann,a\nbob,b\n');
    expect(summary).toEqual({ imported: 1, skipped: 1, errors: [] });
    expect(checkPassword('SHA-256', (await accounts.getAccount('bob'))!.credentials['SHA-256'], 'server')).toBe(true);
  });

  it('inserts in batches through createAccounts and reports progress after each batch', async () => {
    const accounts = new MemoryAccountStore();
    const batches: number[] = [];
    const create = accounts.createAccounts.bind(accounts);
    accounts.createAccounts = async (list) => {
      batches.push(list.length);
      return create(list);
    };
    const progress: Array<[number, number]> = [];
    const rows = Array.from({ length: 7 }, (_, i) => `user${i},pw${i}`);
    const summary = await importCsv(accounts, `username,password\n${rows.join('\n')}\n`, {
      batchSize: 3,
      iterations: 1,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(summary.imported).toBe(7);
    expect(batches).toEqual([3, 3, 1]);
    expect(progress).toEqual([
      [0, 7],
      [3, 7],
      [6, 7],
      [7, 7],
    ]);
  });

  it('checks name and email like user add does', async () => {
    const accounts = new MemoryAccountStore();
    const summary = await importCsv(accounts, 'username,password,email\nann,pw,not-an-email\nbob,pw, bob@example.com \n', { iterations: 1 });
    expect(summary.errors).toEqual([{ line: 2, message: "invalid email 'not-an-email'" }]);
    expect((await accounts.getAccount('bob'))?.email).toBe('bob@example.com');
  });

  it.each([
    ['an unknown column, naming it', 'username,password,phone,fax\n', /unknown columns 'phone', 'fax'/],
    ['a missing password column', 'username,name\nann,Ann\n', /missing column 'password'/],
    ['missing username and password columns', 'name,email\n', /missing columns 'username', 'password'/],
    ['a repeated column', 'username,password,name,Name\n', /column 'name' appears more than once/],
    ['an empty file', '\uFEFF\n', /the file is empty/],
    ['a CSV syntax error', 'username,password\nann,"pw\n', /not a valid CSV file \(RFC 4180\): line 2: unterminated quoted field/],
  ])('rejects the whole file for %s, importing nothing', async (_case, text, message) => {
    const accounts = new MemoryAccountStore();
    const result = importCsv(accounts, `${text}`);
    await expect(result).rejects.toThrow(CommandError);
    await expect(result).rejects.toThrow(message);
    expect(await accounts.countAccounts()).toBe(0);
  });

  it('matches header names without regard to case, spaces or a byte order mark', async () => {
    const accounts = new MemoryAccountStore();
    const summary = await importCsv(accounts, '\uFEFF Username , PASSWORD\r\nann,pw\r\n', { iterations: 1 });
    expect(summary.imported).toBe(1);
  });

  it('formats the summary and one line per error', () => {
    expect(formatSummary({ imported: 5, skipped: 2, errors: [{ line: 17, message: "invalid username 'a b'" }] })).toEqual([
      'imported 5, skipped 2 (already exist), errors 1',
      "line 17: invalid username 'a b'",
    ]);
  });
});
