// The admin API's user operations (@deskchat/admin's UserAdminService) on the CLI's own rules and
// code: the same username and password checks, SCRAM keys derived on the thread pool, account
// removal with all the user's data, and the CSV import of `deskchat user import`. In a cluster,
// ClusterAdmin's rules as in `deskchat user add|remove|list`: a new user is assigned a node (the one
// given, else the least loaded), a removed one loses its assignment, the list shows each user's node.
import { failures, type UserAdminService } from '@deskchat/admin';
import type { AccountRemovalOptions, AccountSummary, Stores } from '@deskchat/core';
import { UnknownNodeError, type ClusterAdmin } from '../cluster/cluster-admin.js';
import { addUser, changePassword, removeIfPresent } from './account-commands.js';
import { generatePassword, parseUsername } from './account-fields.js';
import { CommandError } from './command-error.js';
import { importRows } from './csv-import.js';
import { readImportRows } from './import-rows.js';

const SCAN_PAGE = 1000;

/**
 * `removal`: how an account is removed (account-removal.ts); `endSessions`: ends a removed user's
 * sessions on every node and says how many (a running node; absent, nothing is signed in to end).
 */
export function createUserAdminService(stores: Stores, removal: AccountRemovalOptions, cluster?: ClusterAdmin, endSessions?: (username: string) => Promise<number>): UserAdminService {
  const { accounts } = stores;

  /** Maps the CLI's failures to a 400 naming the field (or 409 for a taken name). */
  async function asHttp<T>(field: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      if (/already exists/.test(err.message)) throw failures.conflict(err.message);
      const named = /password/.test(err.message) ? 'password' : /^invalid email/.test(err.message) ? 'email' : /^name /.test(err.message) ? 'name' : field;
      throw failures.invalid({ [named]: err.message });
    }
  }

  const optionalString = (field: string, value: unknown): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw failures.invalid({ [field]: 'must be a string' });
    return value;
  };

  async function find({ search, offset, limit }: { search?: string; offset: number; limit: number }): Promise<{ total: number; users: AccountSummary[] }> {
    if (!search) return { total: await accounts.countAccounts(), users: await accounts.listAccounts({ offset, limit }) };
    // The AccountStore port has no search: scan pages in username order (fine for tens of thousands).
    const needle = search.toLowerCase();
    const matches: AccountSummary[] = [];
    for (let at = 0; ; at += SCAN_PAGE) {
      const page = await accounts.listAccounts({ offset: at, limit: SCAN_PAGE });
      for (const a of page) if ([a.username, a.name ?? '', a.email ?? ''].some((v) => v.toLowerCase().includes(needle))) matches.push(a);
      if (page.length < SCAN_PAGE) break;
    }
    return { total: matches.length, users: matches.slice(offset, offset + limit) };
  }

  /** The node a new user asks for: checked before the account exists (400 naming `node`). */
  async function requestedNode(value: unknown): Promise<string | undefined> {
    const node = optionalString('node', value);
    if (node === undefined) return undefined;
    if (!cluster) throw failures.invalid({ node: 'not a cluster: this node runs alone and has no nodes to choose from' });
    try {
      await cluster.requireNode(node);
    } catch (err) {
      if (err instanceof UnknownNodeError) throw failures.invalid({ node: err.message });
      throw err;
    }
    return node;
  }

  return {
    async list(query) {
      const { total, users } = await find(query);
      if (!cluster) return { total, users };
      const nodes = await cluster.nodesOf(users.map((u) => u.username));
      return { total, users: users.map((u, i) => (nodes[i] ? { ...u, node: nodes[i] } : u)) };
    },

    async add(user) {
      if (typeof user.username !== 'string' || user.username === '') throw failures.invalid({ username: 'required' });
      const given = optionalString('password', user.password);
      const password = given ?? generatePassword();
      const node = await requestedNode(user.node);
      const username = await asHttp('username', () => addUser(accounts, { username: user.username as string, password, name: optionalString('name', user.name), email: optionalString('email', user.email) }));
      const home = (await cluster?.placeNewUsers([username], node))?.get(username);
      return { username, ...(given === undefined ? { generatedPassword: password } : {}), ...(home ? { node: home } : {}) };
    },

    async remove(raw) {
      const username = await removeIfPresent(stores, raw, removal, cluster);
      if (username === undefined) return undefined;
      return { sessionsEnded: (await endSessions?.(username)) ?? 0 };
    },

    async setPassword(raw, value) {
      const username = parseUsername(raw);
      if (!username || !(await accounts.hasAccount(username))) return undefined;
      const given = optionalString('password', value);
      const password = given ?? generatePassword();
      await asHttp('password', () => changePassword(accounts, username, password));
      return given === undefined ? { username, generatedPassword: password } : { username };
    },

    prepareImport(csv) {
      let read: ReturnType<typeof readImportRows>;
      try {
        read = readImportRows(csv);
      } catch (err) {
        if (err instanceof CommandError) throw failures.invalid({ file: err.message });
        throw err;
      }
      return {
        total: read.rows.length,
        async run(onProgress) {
          const { imported, skipped } = await importRows(accounts, read.rows, { onProgress, ...(cluster ? { onCreated: async (usernames: string[]) => void (await cluster.placeNewUsers(usernames)) } : {}) });
          return { imported, skipped, errors: read.errors };
        },
      };
    },
  };
}
