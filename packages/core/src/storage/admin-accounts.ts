// Durable port: administrator accounts (the admin page and API), separate from chat users.
// Passwords are kept only as a memory-hard KDF string (`scrypt$…`, made and checked by the admin
// package); the store never sees a password and never interprets the hash.

export interface AdminAccount {
  /** Lower-case name, 1..64 of [a-z0-9._-]. */
  name: string;
  /** Self-describing KDF output, e.g. `scrypt$32768$8$1$<salt>$<key>`. */
  passwordHash: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  passwordChangedAt: number;
}

export type AdminSummary = Omit<AdminAccount, 'passwordHash'>;

export interface AdminAccountStore {
  /** `false` when the name is taken (nothing changes then). */
  createAdmin(account: AdminAccount): Promise<boolean>;
  getAdmin(name: string): Promise<AdminAccount | undefined>;
  /** `false` when there is no such admin. */
  setPasswordHash(name: string, passwordHash: string, changedAt: number): Promise<boolean>;
  /** `false` when there was no such admin. */
  removeAdmin(name: string): Promise<boolean>;
  /** Every admin, ordered by name, without password hashes. */
  listAdmins(): Promise<AdminSummary[]>;
}
