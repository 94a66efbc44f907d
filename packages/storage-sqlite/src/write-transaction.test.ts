// The node's connection writes beside its background writer (background-writer.ts): a deferred
// transaction that reads before it writes can fail with SQLITE_BUSY there (background-writer.test.ts
// shows it). So every store's transaction goes through writeTransaction; only these may not.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const READ_ONLY_OR_ALONE = new Map([
  ['write-transaction.ts', 1], // the helper itself
  ['migrations.ts', 1], // runs before the writer starts
  ['sqlite-roster-store.ts', 1], // readRoster: reads only
]);

describe('write transactions', () => {
  it('begin IMMEDIATE in every store', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const found = new Map<string, number>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const n = readFileSync(dir + file, 'utf8').split('.transaction(').length - 1;
      if (n > 0) found.set(file, n);
    }
    expect(found).toEqual(READ_ONLY_OR_ALONE);
  });
});
