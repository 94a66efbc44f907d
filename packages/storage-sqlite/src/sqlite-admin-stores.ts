// The administration ports on SQLite: AdminAccountStore, ApiTokenStore and AuditLog. Same
// contracts as core's memory implementations (see @deskchat/testing adminStoresContract).
import type { Database, Statement } from 'better-sqlite3';
import type { AdminAccount, AdminAccountStore, AdminSummary, ApiToken, ApiTokenStore, ApiTokenSummary, AuditEntry, AuditLog, AuditQuery, Invitation, InvitationStore } from '@deskchat/core';

interface AdminRow {
  name: string;
  password_hash: string;
  created_at: number;
  password_changed_at: number;
}

export class SqliteAdminAccountStore implements AdminAccountStore {
  private readonly insert: Statement<[string, string, number, number]>;
  private readonly select: Statement<[string], AdminRow>;
  private readonly update: Statement<[string, number, string]>;
  private readonly delete_: Statement<[string]>;
  private readonly selectAll: Statement<[], AdminRow>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO admin_accounts (name, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING');
    this.select = db.prepare('SELECT * FROM admin_accounts WHERE name = ?');
    this.update = db.prepare('UPDATE admin_accounts SET password_hash = ?, password_changed_at = ? WHERE name = ?');
    this.delete_ = db.prepare('DELETE FROM admin_accounts WHERE name = ?');
    this.selectAll = db.prepare('SELECT * FROM admin_accounts ORDER BY name');
  }

  async createAdmin(a: AdminAccount): Promise<boolean> {
    return this.insert.run(a.name, a.passwordHash, a.createdAt, a.passwordChangedAt).changes > 0;
  }

  async getAdmin(name: string): Promise<AdminAccount | undefined> {
    const row = this.select.get(name);
    return row && { ...summary(row), passwordHash: row.password_hash };
  }

  async setPasswordHash(name: string, passwordHash: string, changedAt: number): Promise<boolean> {
    return this.update.run(passwordHash, changedAt, name).changes > 0;
  }

  async removeAdmin(name: string): Promise<boolean> {
    return this.delete_.run(name).changes > 0;
  }

  async listAdmins(): Promise<AdminSummary[]> {
    return this.selectAll.all().map(summary);
  }
}

function summary(row: AdminRow): AdminSummary {
  return { name: row.name, createdAt: row.created_at, passwordChangedAt: row.password_changed_at };
}

interface TokenRow {
  name: string;
  hash: string;
  created_at: number;
  created_by: string;
}

export class SqliteApiTokenStore implements ApiTokenStore {
  private readonly insert: Statement<[string, string, number, string]>;
  private readonly byHash: Statement<[string], TokenRow>;
  private readonly delete_: Statement<[string]>;
  private readonly selectAll: Statement<[], TokenRow>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO api_tokens (name, hash, created_at, created_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.byHash = db.prepare('SELECT * FROM api_tokens WHERE hash = ?');
    this.delete_ = db.prepare('DELETE FROM api_tokens WHERE name = ?');
    this.selectAll = db.prepare('SELECT * FROM api_tokens ORDER BY name');
  }

  async createToken(t: ApiToken): Promise<boolean> {
    return this.insert.run(t.name, t.hash, t.createdAt, t.createdBy).changes > 0;
  }

  async findTokenByHash(hash: string): Promise<ApiToken | undefined> {
    const row = this.byHash.get(hash);
    return row && { ...tokenSummary(row), hash: row.hash };
  }

  async revokeToken(name: string): Promise<boolean> {
    return this.delete_.run(name).changes > 0;
  }

  async listTokens(): Promise<ApiTokenSummary[]> {
    return this.selectAll.all().map(tokenSummary);
  }
}

function tokenSummary(row: TokenRow): ApiTokenSummary {
  return { name: row.name, createdAt: row.created_at, createdBy: row.created_by };
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  old_value: string | null;
  new_value: string | null;
}

export class SqliteAuditLog implements AuditLog {
  private readonly insert: Statement<[number, string, string, string | null, string | null, string | null]>;
  private readonly page: Statement<[number, number], AuditRow>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO audit_log (at, actor, action, target, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)');
    this.page = db.prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?');
  }

  async append(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
    const row = { at: entry.at, actor: entry.actor, action: entry.action, target: entry.target ?? null, old_value: json(entry.oldValue), new_value: json(entry.newValue) };
    const id = Number(this.insert.run(row.at, row.actor, row.action, row.target, row.old_value, row.new_value).lastInsertRowid);
    return fromAuditRow({ id, ...row });
  }

  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.page.all(query.before ?? Number.MAX_SAFE_INTEGER, query.limit ?? 50).map(fromAuditRow);
  }
}

function fromAuditRow(row: AuditRow): AuditEntry {
  const entry: AuditEntry = { id: row.id, at: row.at, actor: row.actor, action: row.action };
  if (row.target !== null) entry.target = row.target;
  if (row.old_value !== null) entry.oldValue = JSON.parse(row.old_value);
  if (row.new_value !== null) entry.newValue = JSON.parse(row.new_value);
  return entry;
}

interface InvitationRow {
  hash: string;
  created_at: number;
  created_by: string;
  expires_at: number;
}

const invitationOf = (row: InvitationRow): Invitation => ({ hash: row.hash, createdAt: row.created_at, createdBy: row.created_by, expiresAt: row.expires_at });

/** XEP-0077 invitations (migration 15): taking one is a single DELETE … RETURNING, so one caller gets it. */
export class SqliteInvitationStore implements InvitationStore {
  private readonly insert: Statement<[string, number, string, number]>;
  private readonly take: Statement<[string], InvitationRow>;
  private readonly purge: Statement<[number]>;
  private readonly valid: Statement<[number], InvitationRow>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO invitations (hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET created_at = excluded.created_at, created_by = excluded.created_by, expires_at = excluded.expires_at');
    this.take = db.prepare('DELETE FROM invitations WHERE hash = ? RETURNING *');
    this.purge = db.prepare('DELETE FROM invitations WHERE expires_at <= ?');
    this.valid = db.prepare('SELECT * FROM invitations WHERE expires_at > ? ORDER BY expires_at, hash');
  }

  async createInvitation(i: Invitation): Promise<void> {
    // Expired invitations nobody took go when a new one is made (no timer needed).
    this.purge.run(i.createdAt);
    this.insert.run(i.hash, i.createdAt, i.createdBy, i.expiresAt);
  }

  async takeInvitation(hash: string, now: number): Promise<Invitation | undefined> {
    const row = this.take.get(hash);
    return row && row.expires_at > now ? invitationOf(row) : undefined;
  }

  async listInvitations(now: number): Promise<Omit<Invitation, 'hash'>[]> {
    return this.valid.all(now).map((row) => ({ createdAt: row.created_at, createdBy: row.created_by, expiresAt: row.expires_at }));
  }
}
