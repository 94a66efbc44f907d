// `deskchat user import`: creates the accounts of an import file in batches, each batch in one
// store transaction (AccountStore.createAccounts). Existing accounts are skipped, never changed.
// The cost is deriving the RFC 5802 §3 SCRAM keys (2 × 4096 PBKDF2 iterations per account, RFC
// 7677 §4), so a batch derives in parallel on the thread pool while nothing else waits on it.
import type { Account, AccountStore } from '@deskchat/core';
import { DEFAULT_ITERATIONS } from '@deskchat/core';
import { deriveCredentialsAsync } from './derive-credentials-async.js';
import { readImportRows, type ImportRow, type RowError } from './import-rows.js';

export interface ImportOptions {
  /** Accounts per transaction. */
  batchSize?: number;
  iterations?: number;
  now?: () => number;
  /** Called after each batch with the rows done so far (imported or skipped) and the rows to do. */
  onProgress?: (done: number, total: number) => void;
  /** Called after each batch with the usernames it created (a cluster assigns them their nodes). */
  onCreated?: (usernames: string[]) => Promise<void>;
}

export interface ImportSummary {
  imported: number;
  /** Rows whose username already had an account. */
  skipped: number;
  /** Row errors in line order. */
  errors: RowError[];
}

const DEFAULT_BATCH_SIZE = 250;

/** Imports a whole CSV text. Throws CommandError when the file as a whole is unusable (nothing is imported then). */
export async function importCsv(accounts: AccountStore, text: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const { rows, errors } = readImportRows(text);
  const { imported, skipped } = await importRows(accounts, rows, options);
  return { imported, skipped, errors };
}

export async function importRows(accounts: AccountStore, rows: ImportRow[], options: ImportOptions = {}): Promise<{ imported: number; skipped: number }> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const now = options.now ?? Date.now;
  let imported = 0;
  let skipped = 0;
  options.onProgress?.(0, rows.length);
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    // 1. Leave out existing accounts before paying for their keys (a re-run of an import is cheap).
    const exists = await Promise.all(batch.map((row) => accounts.hasAccount(row.username)));
    const fresh = batch.filter((_, i) => !exists[i]);
    // 2. Derive every key of the batch in parallel.
    const createdAt = now();
    const newAccounts = await Promise.all(fresh.map((row) => toAccount(row, createdAt, iterations)));
    // 3. One transaction; `false` means someone (the running server) created the account meanwhile.
    const created = newAccounts.length ? await accounts.createAccounts(newAccounts) : [];
    const count = created.filter(Boolean).length;
    if (count > 0) await options.onCreated?.(newAccounts.filter((_, i) => created[i]).map((a) => a.username));
    imported += count;
    skipped += batch.length - count;
    options.onProgress?.(start + batch.length, rows.length);
  }
  return { imported, skipped };
}

async function toAccount(row: ImportRow, createdAt: number, iterations: number): Promise<Account> {
  const account: Account = { username: row.username, createdAt, credentials: await deriveCredentialsAsync(row.password, iterations) };
  if (row.name !== undefined) account.name = row.name;
  if (row.email !== undefined) account.email = row.email;
  return account;
}

/** The summary line, then one line per row error. */
export function formatSummary(summary: ImportSummary): string[] {
  return [
    `imported ${summary.imported}, skipped ${summary.skipped} (already exist), errors ${summary.errors.length}`,
    ...summary.errors.map((e) => `line ${e.line}: ${e.message}`),
  ];
}
