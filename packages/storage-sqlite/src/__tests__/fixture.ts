// Test fixture (not exported from the package): a fresh data directory with every store opened
// on it, removed again by `cleanup`. Used by each store's contract run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores, type SqliteStores } from '../index.js';

export function freshStores<S>(pick: (stores: SqliteStores) => S): () => Promise<{ store: S; cleanup: () => Promise<void> }> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-sqlite-'));
    const stores = openSqliteStores(dir);
    return {
      store: pick(stores),
      cleanup: async () => {
        stores.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}
