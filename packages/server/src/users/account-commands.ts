// The store-facing part of `deskchat user add|passwd|remove|list`, on any AccountStore.
// Usernames are RFC 7622 §3.3 localparts stored lower-cased; passwords are kept only as RFC 5802 §3
// SCRAM keys (never plaintext).
import type { Account, AccountRemovalOptions, AccountStore, AccountSummary, Stores } from '@deskchat/core';
import { DEFAULT_ITERATIONS, removeAccount } from '@deskchat/core';
import { emailProblem, nameProblem, parseUsername, passwordProblem } from './account-fields.js';
import { CommandError } from './command-error.js';
import { deriveCredentialsAsync } from './derive-credentials-async.js';

export interface NewUser {
  username: string;
  password: string;
  name?: string;
  email?: string;
}

export interface DeriveOptions {
  iterations?: number;
  now?: () => number;
}

const LIST_PAGE_SIZE = 1000;

/** The normalised username; throws CommandError naming the value when it is not a valid localpart. */
export function requireUsername(value: string): string {
  const username = parseUsername(value);
  if (username === undefined) {
    throw new CommandError(`invalid username '${value}': a username is an XMPP localpart (RFC 7622 §3.3): 1..1023 bytes, no spaces and none of " & ' / : < > @`);
  }
  return username;
}

export function requireValidPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new CommandError(problem);
}

/** Creates the account; returns its normalised username. */
export async function addUser(accounts: AccountStore, user: NewUser, options: DeriveOptions = {}): Promise<string> {
  const username = requireUsername(user.username);
  requireValidPassword(user.password);
  const problem = (user.name !== undefined ? nameProblem(user.name) : undefined) ?? (user.email !== undefined ? emailProblem(user.email) : undefined);
  if (problem) throw new CommandError(problem);
  const account: Account = {
    username,
    createdAt: (options.now ?? Date.now)(),
    credentials: await deriveCredentialsAsync(user.password, options.iterations ?? DEFAULT_ITERATIONS),
  };
  if (user.name) account.name = user.name;
  if (user.email) account.email = user.email;
  if (!(await accounts.createAccount(account))) throw new CommandError(`user ${username} already exists`);
  return username;
}

/** Replaces the account's SCRAM keys with ones derived from the new password (fresh salts). */
export async function changePassword(accounts: AccountStore, rawUsername: string, password: string, options: DeriveOptions = {}): Promise<string> {
  const username = requireUsername(rawUsername);
  requireValidPassword(password);
  const credentials = await deriveCredentialsAsync(password, options.iterations ?? DEFAULT_ITERATIONS);
  if (!(await accounts.setCredentials(username, credentials))) throw new CommandError(`no such user ${username}`);
  return username;
}

/** Removes the account, all the user's data and what others' data grants the name (core's removeAccount). */
export async function removeUser(stores: Parameters<typeof removeAccount>[0], rawUsername: string, removal: AccountRemovalOptions): Promise<string> {
  const username = requireUsername(rawUsername);
  if (!(await removeAccount(stores, username, removal))) throw new CommandError(`no such user ${username}`);
  return username;
}

/**
 * `removeUser` for the admin API and XEP-0133: undefined (not an error) for a malformed or unknown
 * name, else the username removed; in a cluster the user's placement is forgotten too.
 */
export async function removeIfPresent(stores: Parameters<typeof removeAccount>[0], rawUsername: string, removal: AccountRemovalOptions, cluster?: { forget(username: string): Promise<void> }): Promise<string | undefined> {
  if (!parseUsername(rawUsername)) return undefined;
  try {
    const username = await removeUser(stores, rawUsername, removal);
    await cluster?.forget(username);
    return username;
  } catch (err) {
    if (err instanceof CommandError) return undefined;
    throw err;
  }
}

/**
 * Writes one line per account, in username order, a page at a time; returns how many. With
 * `nodesOf` (a cluster) each line ends with the user's home node.
 */
export async function listUsers(accounts: AccountStore, writeLine: (line: string) => void, nodesOf?: (usernames: string[]) => Promise<(string | undefined)[]>, pageSize = LIST_PAGE_SIZE): Promise<number> {
  let count = 0;
  for (;;) {
    const page = await accounts.listAccounts({ offset: count, limit: pageSize });
    const nodes = nodesOf ? await nodesOf(page.map((a) => a.username)) : undefined;
    page.forEach((account, i) => writeLine(formatUserLine(account, nodes && (nodes[i] ?? ''))));
    count += page.length;
    if (page.length < pageSize) return count;
  }
}

/** username, name, email, creation time (ISO 8601, UTC) and, in a cluster, the home node; tab separated; absent fields are empty. */
export function formatUserLine(account: AccountSummary, node?: string): string {
  const created = new Date(account.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [account.username, account.name ?? '', account.email ?? '', created, ...(node !== undefined ? [node] : [])].join('\t');
}
