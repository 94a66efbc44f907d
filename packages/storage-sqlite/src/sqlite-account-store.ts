// AccountStore on SQLite: accounts and their RFC 5802 §3 / RFC 7677 SCRAM credentials.
// Same contract as core's MemoryAccountStore (see @deskchat/testing accountStoreContract).
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { Account, AccountStore, AccountSummary, Credentials } from '@deskchat/core';

interface SummaryRow {
  username: string;
  name: string | null;
  email: string | null;
  created_at: number;
}

interface AccountRow extends SummaryRow {
  sha1_salt: string;
  sha1_iterations: number;
  sha1_stored_key: string;
  sha1_server_key: string;
  sha256_salt: string;
  sha256_iterations: number;
  sha256_stored_key: string;
  sha256_server_key: string;
}

type CredentialColumns = Omit<AccountRow, keyof SummaryRow>;

const ALL_COLUMNS = `username, name, email, created_at,
  sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key,
  sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key`;

function credentialColumns(c: Credentials): CredentialColumns {
  return {
    sha1_salt: c['SHA-1'].salt,
    sha1_iterations: c['SHA-1'].iterations,
    sha1_stored_key: c['SHA-1'].storedKey,
    sha1_server_key: c['SHA-1'].serverKey,
    sha256_salt: c['SHA-256'].salt,
    sha256_iterations: c['SHA-256'].iterations,
    sha256_stored_key: c['SHA-256'].storedKey,
    sha256_server_key: c['SHA-256'].serverKey,
  };
}

function toRow(account: Account): AccountRow {
  return {
    username: account.username,
    name: account.name ?? null,
    email: account.email ?? null,
    created_at: account.createdAt,
    ...credentialColumns(account.credentials),
  };
}

/** NULL means "never set": the field is left out, as the memory store leaves it out. */
function toSummary(row: SummaryRow): AccountSummary {
  const summary: AccountSummary = { username: row.username, createdAt: row.created_at };
  if (row.name !== null) summary.name = row.name;
  if (row.email !== null) summary.email = row.email;
  return summary;
}

function toAccount(row: AccountRow): Account {
  return {
    ...toSummary(row),
    credentials: {
      'SHA-1': { salt: row.sha1_salt, iterations: row.sha1_iterations, storedKey: row.sha1_stored_key, serverKey: row.sha1_server_key },
      'SHA-256': {
        salt: row.sha256_salt,
        iterations: row.sha256_iterations,
        storedKey: row.sha256_stored_key,
        serverKey: row.sha256_server_key,
      },
    },
  };
}

/**
 * Expects a database opened (and migrated) by `openDatabase`. Every statement is prepared once; the
 * methods are async to fit the port but complete synchronously (better-sqlite3 is synchronous).
 */
export class SqliteAccountStore implements AccountStore {
  private readonly insert: Statement<[AccountRow]>;
  private readonly selectOne: Statement<[string], AccountRow>;
  private readonly exists: Statement<[string], { found: number }>;
  private readonly updateCredentials: Statement<[CredentialColumns & { username: string }]>;
  private readonly updateProfileStmt: Statement<[{ username: string; name: string | null; email: string | null }]>;
  private readonly remove: Statement<[string]>;
  private readonly selectPage: Statement<[number, number], SummaryRow>;
  private readonly count: Statement<[], { n: number }>;
  private readonly insertMany: (accounts: Account[]) => boolean[];

  constructor(db: Database) {
    const placeholders = ALL_COLUMNS.split(',').map((c) => `@${c.trim()}`).join(', ');
    // ON CONFLICT(username) DO NOTHING rather than INSERT OR IGNORE: only a taken username is
    // "not created"; any other constraint failure (a bad iteration count) still throws.
    this.insert = db.prepare(`INSERT INTO accounts (${ALL_COLUMNS}) VALUES (${placeholders}) ON CONFLICT (username) DO NOTHING`);
    this.selectOne = db.prepare(`SELECT ${ALL_COLUMNS} FROM accounts WHERE username = ?`);
    this.exists = db.prepare('SELECT 1 AS found FROM accounts WHERE username = ?');
    this.updateCredentials = db.prepare(`UPDATE accounts SET
      sha1_salt = @sha1_salt, sha1_iterations = @sha1_iterations, sha1_stored_key = @sha1_stored_key, sha1_server_key = @sha1_server_key,
      sha256_salt = @sha256_salt, sha256_iterations = @sha256_iterations, sha256_stored_key = @sha256_stored_key,
      sha256_server_key = @sha256_server_key
      WHERE username = @username`);
    // NULL parameters mean "leave alone" (the port's undefined fields).
    this.updateProfileStmt = db.prepare(
      'UPDATE accounts SET name = coalesce(@name, name), email = coalesce(@email, email) WHERE username = @username',
    );
    this.remove = db.prepare('DELETE FROM accounts WHERE username = ?');
    // LIMIT -1 means no limit in SQLite. ORDER BY uses the BINARY collation: code point order.
    this.selectPage = db.prepare('SELECT username, name, email, created_at FROM accounts ORDER BY username LIMIT ? OFFSET ?');
    this.count = db.prepare('SELECT count(*) AS n FROM accounts');
    // One transaction for the whole batch: one fsync instead of one per account, and a failure
    // (a constraint violation) leaves none of the batch behind. A duplicate later in the same
    // batch conflicts with the row inserted earlier in it, so the first one wins.
    this.insertMany = writeTransaction(db, (accounts: Account[]) => accounts.map((a) => this.insert.run(toRow(a)).changes === 1));
  }

  async createAccount(account: Account): Promise<boolean> {
    return this.insert.run(toRow(account)).changes === 1;
  }

  async createAccounts(accounts: Account[]): Promise<boolean[]> {
    return this.insertMany(accounts);
  }

  async getAccount(username: string): Promise<Account | undefined> {
    const row = this.selectOne.get(username);
    return row && toAccount(row);
  }

  async hasAccount(username: string): Promise<boolean> {
    return this.exists.get(username) !== undefined;
  }

  async setCredentials(username: string, credentials: Credentials): Promise<boolean> {
    return this.updateCredentials.run({ username, ...credentialColumns(credentials) }).changes === 1;
  }

  async updateProfile(username: string, profile: { name?: string; email?: string }): Promise<boolean> {
    return this.updateProfileStmt.run({ username, name: profile.name ?? null, email: profile.email ?? null }).changes === 1;
  }

  async removeAccount(username: string): Promise<boolean> {
    return this.remove.run(username).changes === 1;
  }

  async listAccounts(options: { offset?: number; limit?: number } = {}): Promise<AccountSummary[]> {
    const limit = options.limit !== undefined && Number.isFinite(options.limit) ? Math.max(0, Math.floor(options.limit)) : -1;
    const offset = Number.isFinite(options.offset) ? Math.max(0, Math.floor(options.offset!)) : 0;
    return this.selectPage.all(limit, offset).map(toSummary);
  }

  async countAccounts(): Promise<number> {
    return this.count.get()!.n;
  }
}
