// In-memory reference implementations of the admin ports (AdminAccountStore, ApiTokenStore,
// AuditLog). Same contracts as SQLite and, later, Redis. Values are copied on the way in and out,
// as a real store would, so that callers cannot change what is stored.
import type { AdminAccount, AdminAccountStore, AdminSummary } from './admin-accounts.js';
import type { ApiToken, ApiTokenStore, ApiTokenSummary } from './api-tokens.js';
import type { AuditEntry, AuditLog, AuditQuery } from './audit-log.js';
import type { Invitation, InvitationStore } from './invitations.js';
import { byCodePoint } from './code-point-order.js';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class MemoryAdminAccountStore implements AdminAccountStore {
  private readonly admins = new Map<string, AdminAccount>();

  async createAdmin(account: AdminAccount): Promise<boolean> {
    if (this.admins.has(account.name)) return false;
    this.admins.set(account.name, copy(account));
    return true;
  }

  async getAdmin(name: string): Promise<AdminAccount | undefined> {
    const admin = this.admins.get(name);
    return admin && copy(admin);
  }

  async setPasswordHash(name: string, passwordHash: string, changedAt: number): Promise<boolean> {
    const admin = this.admins.get(name);
    if (!admin) return false;
    this.admins.set(name, { ...admin, passwordHash, passwordChangedAt: changedAt });
    return true;
  }

  async removeAdmin(name: string): Promise<boolean> {
    return this.admins.delete(name);
  }

  async listAdmins(): Promise<AdminSummary[]> {
    return [...this.admins.values()].sort((a, b) => byCodePoint(a.name, b.name)).map(({ passwordHash: _, ...summary }) => summary);
  }
}

export class MemoryApiTokenStore implements ApiTokenStore {
  private readonly tokens = new Map<string, ApiToken>();

  async createToken(token: ApiToken): Promise<boolean> {
    if (this.tokens.has(token.name)) return false;
    this.tokens.set(token.name, copy(token));
    return true;
  }

  async findTokenByHash(hash: string): Promise<ApiToken | undefined> {
    for (const token of this.tokens.values()) if (token.hash === hash) return copy(token);
    return undefined;
  }

  async revokeToken(name: string): Promise<boolean> {
    return this.tokens.delete(name);
  }

  async listTokens(): Promise<ApiTokenSummary[]> {
    return [...this.tokens.values()].sort((a, b) => byCodePoint(a.name, b.name)).map(({ hash: _, ...summary }) => summary);
  }
}

export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];

  async append(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    const stored = copy({ ...entry, id: this.entries.length + 1 });
    this.entries.push(stored);
    return copy(stored);
  }

  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = query.limit ?? 50;
    const before = query.before ?? Infinity;
    const out: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      if (this.entries[i]!.id < before) out.push(copy(this.entries[i]!));
    }
    return out;
  }
}

/** The durable stores of administration (kept apart from `Stores`, which XMPP modules run on). */
export class MemoryInvitationStore implements InvitationStore {
  private readonly byHash = new Map<string, Invitation>();

  async createInvitation(invitation: Invitation): Promise<void> {
    this.byHash.set(invitation.hash, { ...invitation });
  }

  async takeInvitation(hash: string, now: number): Promise<Invitation | undefined> {
    const found = this.byHash.get(hash);
    this.byHash.delete(hash);
    return found && found.expiresAt > now ? found : undefined;
  }

  async listInvitations(now: number): Promise<Omit<Invitation, 'hash'>[]> {
    return [...this.byHash.values()].filter((i) => i.expiresAt > now).sort((a, b) => a.expiresAt - b.expiresAt).map(({ hash: _hash, ...rest }) => rest);
  }
}

export interface AdminStores {
  admins: AdminAccountStore;
  apiTokens: ApiTokenStore;
  audit: AuditLog;
  /** XEP-0077 registration invitations. */
  invitations: InvitationStore;
}

export function memoryAdminStores(): AdminStores {
  return { admins: new MemoryAdminAccountStore(), apiTokens: new MemoryApiTokenStore(), audit: new MemoryAuditLog(), invitations: new MemoryInvitationStore() };
}
