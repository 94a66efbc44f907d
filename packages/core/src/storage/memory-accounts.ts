// In-memory reference implementation of AccountStore (tests, embedded use). Same contract as SQLite and Redis.
import type { Account, AccountStore, AccountSummary, Credentials } from './accounts.js';
import { byCodePoint } from './code-point-order.js';

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryAccountStore implements AccountStore {
  private readonly accounts = new Map<string, Account>();

  async createAccount(account: Account): Promise<boolean> {
    if (this.accounts.has(account.username)) return false;
    this.accounts.set(account.username, clone(account));
    return true;
  }

  async createAccounts(accounts: Account[]): Promise<boolean[]> {
    return Promise.all(accounts.map((a) => this.createAccount(a)));
  }

  async getAccount(username: string): Promise<Account | undefined> {
    const account = this.accounts.get(username);
    return account && clone(account);
  }

  async hasAccount(username: string): Promise<boolean> {
    return this.accounts.has(username);
  }

  async setCredentials(username: string, credentials: Credentials): Promise<boolean> {
    const account = this.accounts.get(username);
    if (!account) return false;
    account.credentials = clone(credentials);
    return true;
  }

  async updateProfile(username: string, profile: { name?: string; email?: string }): Promise<boolean> {
    const account = this.accounts.get(username);
    if (!account) return false;
    if (profile.name !== undefined) account.name = profile.name;
    if (profile.email !== undefined) account.email = profile.email;
    return true;
  }

  async removeAccount(username: string): Promise<boolean> {
    return this.accounts.delete(username);
  }

  async listAccounts(options: { offset?: number; limit?: number } = {}): Promise<AccountSummary[]> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    return [...this.accounts.values()]
      .sort((a, b) => byCodePoint(a.username, b.username))
      .slice(offset, offset + limit)
      .map(({ credentials: _c, ...summary }) => clone(summary));
  }

  async countAccounts(): Promise<number> {
    return this.accounts.size;
  }
}
