// `deskchat admin invite create|list` (XEP-0077 registration invitations, issue #13) on a node's
// SQLite database: the token printed once and stored as its SHA-256, the expiry bounded, the list
// of valid invitations, the audit entry.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { invitationTokenHash } from '@deskchat/admin';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { parseConfig } from '../config.js';
import { runAdminCommand } from './admin-commands.js';

const NOW = 1_700_000_000_000;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deskchat-invites-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[]) {
  const stdin = new PassThrough();
  stdin.end('');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const config = parseConfig({ dataDir: join(dir, 'data'), tls: {} }, dir);
  const code = await runAdminCommand(args, { config, stdin, stdout, stderr, now: () => NOW });
  return { code, out, err };
}

describe('deskchat admin invite', () => {
  it('prints a token once, stores its hash valid for --hours, lists it and audits it as cli', async () => {
    const created = await run(['invite', 'create', '--hours', '2']);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^dci_/);
    expect(created.err).toMatch(/valid until 2023-11-15T00:13:20Z/);
    const listed = await run(['invite', 'list']);
    expect(listed.out).toBe('2023-11-14T22:13:20Z\tcli\t2023-11-15T00:13:20Z\n');
    const stores = openSqliteStores(join(dir, 'data'));
    try {
      expect((await stores.audit.list())[0]).toMatchObject({ actor: 'cli', action: 'invitation.create' });
      await expect(stores.invitations.takeInvitation(invitationTokenHash(token), NOW)).resolves.toMatchObject({ expiresAt: NOW + 2 * 3_600_000 });
    } finally {
      stores.close();
    }
  });

  it('refuses --hours outside 1..720 (exit 1) and an unknown invite command (exit 2)', async () => {
    expect(await run(['invite', 'create', '--hours', '0'])).toMatchObject({ code: 1, err: expect.stringContaining('1..720') });
    expect((await run(['invite', 'mint'])).code).toBe(2);
  });
});
