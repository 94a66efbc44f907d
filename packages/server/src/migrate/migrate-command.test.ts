// `deskchat migrate` arguments and failures, in process: the usage (exit 2) for bad arguments, a
// clear message (exit 1) for a directory without a database and for an unreachable Redis.
import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@deskchat/testing';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { runMigrateCommand } from './migrate-command.js';

function sink(): Writable & { text: string } {
  const out = new Writable({
    write(chunk, _enc, done) {
      out.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  out.text = '';
  return out;
}

async function migrate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = sink();
  const stderr = sink();
  const status = await runMigrateCommand(args, { env, stdout, stderr, redisStartTimeoutMs: 200 });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-migrate-'));
  openSqliteStores(dir).close();
  return dir;
};

describe('deskchat migrate: arguments and failures', () => {
  it('asks for --from-sqlite and for a Redis URL, with the usage (exit 2)', async () => {
    await expect(migrate([], { DESKCHAT_REDIS_URL: 'redis://h' })).resolves.toMatchObject({ status: 2, stderr: expect.stringMatching(/^deskchat: missing --from-sqlite DIR\n\nUsage: deskchat migrate --from-sqlite DIR/) });
    await expect(migrate(['--from-sqlite', dataDir()])).resolves.toMatchObject({ status: 2, stderr: expect.stringMatching(/^deskchat: no Redis to migrate to: give --redis-url or set DESKCHAT_REDIS_URL\n/) });
    await expect(migrate(['--from-sqlite', '/x', '--bogus'])).resolves.toMatchObject({ status: 2, stderr: expect.stringMatching(/^deskchat: Unknown option '--bogus'/) });
  });

  it('names the flag of a bad URL or key prefix (exit 2)', async () => {
    await expect(migrate(['--from-sqlite', dataDir(), '--redis-url', 'http://h'])).resolves.toMatchObject({ status: 2, stderr: expect.stringMatching(/^deskchat: --redis-url: must start with redis:\/\/ or rediss:\/\//) });
    await expect(migrate(['--from-sqlite', dataDir(), '--redis-url', 'redis://h', '--key-prefix', 'a{b}'])).resolves.toMatchObject({ status: 2, stderr: expect.stringMatching(/^deskchat: --key-prefix: .*braces/) });
  });

  it('refuses a directory without a DeskChat database, and creates none there (exit 1)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'deskchat-migrate-'));
    const result = await migrate(['--from-sqlite', empty, '--redis-url', 'redis://127.0.0.1:1']);
    expect(result).toEqual({ status: 1, stdout: '', stderr: `deskchat: no DeskChat database in ${empty} (expected deskchat.sqlite)\n` });
  });

  it('takes the key prefix from DESKCHAT_REDIS_PREFIX, as the cluster\'s nodes do, unless --key-prefix names one', async () => {
    const dir = dataDir();
    await expect(migrate(['--from-sqlite', dir], { DESKCHAT_REDIS_URL: 'redis://h', DESKCHAT_REDIS_PREFIX: 'a{b}' })).resolves.toMatchObject({ status: 2, stderr: expect.stringMatching(/^deskchat: --key-prefix: .*braces/) });
    const port = await freePort();
    await expect(migrate(['--from-sqlite', dir, '--key-prefix', 'ok:'], { DESKCHAT_REDIS_URL: `redis://127.0.0.1:${port}`, DESKCHAT_REDIS_PREFIX: 'a{b}' })).resolves.toMatchObject({ status: 1, stderr: expect.stringMatching(/is unreachable/) });
  });

  it('says which Redis it could not reach, without its password (exit 1)', async () => {
    const port = await freePort();
    const result = await migrate(['--from-sqlite', dataDir()], { DESKCHAT_REDIS_URL: `redis://:secret@127.0.0.1:${port}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^deskchat: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} is unreachable \\(.*ECONNREFUSED.*\\) after 0\\.\\d s\\n$`));
    expect(result.stderr).not.toContain('secret');
  });
});
