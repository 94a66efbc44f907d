// Durable port: user accounts and their SCRAM credentials (RFC 5802, RFC 7677).
// Credentials are stored only as salted keys: no plaintext and no reversible form.

/** RFC 5802 §3 server-side credential for one hash function. Binary values are base64. */
export interface ScramCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

export type ScramHash = 'SHA-1' | 'SHA-256';

/** One credential per supported SCRAM hash. */
export type Credentials = Record<ScramHash, ScramCredential>;

export interface Account {
  /** The localpart, already normalised (lower case). */
  username: string;
  name?: string;
  email?: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  credentials: Credentials;
}

export type AccountSummary = Omit<Account, 'credentials'>;

export interface AccountStore {
  /** Creates the account; `false` when the username is taken (nothing changes then). */
  createAccount(account: Account): Promise<boolean>;
  /** Creates many accounts in one transaction; returns, in input order, whether each was created (`false`: taken). */
  createAccounts(accounts: Account[]): Promise<boolean[]>;
  getAccount(username: string): Promise<Account | undefined>;
  hasAccount(username: string): Promise<boolean>;
  /** Replaces the credentials; `false` when there is no such account. */
  setCredentials(username: string, credentials: Credentials): Promise<boolean>;
  /** Updates name/email (undefined fields are left alone); `false` when there is no such account. */
  updateProfile(username: string, profile: { name?: string; email?: string }): Promise<boolean>;
  /** `false` when there was no such account. */
  removeAccount(username: string): Promise<boolean>;
  /** Accounts ordered by username. */
  listAccounts(options?: { offset?: number; limit?: number }): Promise<AccountSummary[]>;
  countAccounts(): Promise<number>;
}
