// File transfer with a real third-party client (issue #10, "Proof with real clients"): two slixmpp
// clients (Debian's python3-slixmpp) against a node on its SQLite and disk stores.
//   - XEP-0363: upload found through disco items, the receiver downloads the same bytes (hash
//     compared); a refused type, a too-large file and a renamed executable each get their error;
//     a declined file is deleted.
//   - XEP-0096 SI offers, then XEP-0065 through the node's SOCKS5 proxy and XEP-0047 in-band
//     bytestreams: the same bytes arrive; a refused offer never reaches the receiver; a renamed
//     executable is cut.
// The script (__tests__/slixmpp-files.py) prints JSON lines of what it observed. Fails, never
// skips, when python3-slixmpp is missing.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, startTestNode, tempDir, type TestNode } from './__tests__/e2e-helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'packages/server/src/__tests__/slixmpp-files.py');
const SCRIPT_SECONDS = 40;
const MAX_BYTES = 2_000_000;

type Observed = { event: string } & Record<string, any>;
let server: TestNode;
let events: Observed[] = [];
let code: number | null = null;
let stderr = '';
let file: Buffer;

function observed(event: string): Observed {
  const found = events.find((e) => e.event === event);
  if (!found) throw new Error(`the script reported no '${event}'; it printed:\n${events.map((e) => JSON.stringify(e)).join('\n')}\nstderr (last 3000 chars):\n${stderr.slice(-3000)}`);
  return found;
}

/** A PDF header, then random bytes: a file the policy accepts, by name and by content. */
function pdfFile(size: number): Buffer {
  const data = randomBytes(size);
  data.write('%PDF-1.7\n', 0, 'latin1');
  return data;
}

/** A Windows executable's header (MZ, e_lfanew → "PE\0\0"). */
function executable(size: number): Buffer {
  const data = Buffer.alloc(size);
  data.write('MZ', 0, 'latin1');
  data.writeUInt32LE(0x80, 0x3c);
  data.write('PE\0\0', 0x80, 'latin1');
  return data;
}

beforeAll(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import slixmpp, aiohttp'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`python3-slixmpp is missing (${probe.stderr.trim()}): run scripts/install-test-deps.sh`);
  server = await startTestNode({ raw: { files: { maxBytes: MAX_BYTES } } });
  await server.addUser('alice', 'pw-alice');
  await server.addUser('bob', 'pw-bob');
  const dir = tempDir('deskchat-files-');
  file = pdfFile(1_000_000);
  fs.writeFileSync(path.join(dir, 'report.pdf'), file);
  fs.writeFileSync(path.join(dir, 'setup.exe'), executable(300_000));
  await new Promise<void>((resolve) => {
    const child = spawn(PYTHON, [SCRIPT, '--port', String(server.port), '--file', path.join(dir, 'report.pdf'), '--exe', path.join(dir, 'setup.exe'), '--timeout', String(SCRIPT_SECONDS), '--trace'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), (SCRIPT_SECONDS + 5) * 1000);
    child.on('close', (exit) => {
      clearTimeout(killer);
      code = exit;
      events = stdout.split('\n').filter((l) => l.trim()).map((l) => {
        try {
          return JSON.parse(l) as Observed;
        } catch {
          return { event: 'unparsed', line: l };
        }
      });
      resolve();
    });
  });
}, (SCRIPT_SECONDS + 15) * 1000);

afterAll(async () => {
  await server?.stop();
});

const fileHash = () => createHash('sha256').update(file).digest('hex');

describe('slixmpp, two clients, every path of issue #10', () => {
  it('runs every scenario and exits 0 with no error', () => {
    expect(events.filter((e) => e.event === 'error' || e.event === 'unparsed')).toEqual([]);
    expect(code).toBe(0);
    expect(events.filter((e) => e.event === 'scenario-done').map((e) => e.scenario)).toEqual(['upload', 'socks5', 'ibb']);
  });

  describe('XEP-0363 HTTP upload', () => {
    it('finds localhost/upload through disco items with the max-file-size of the policy (§2)', () => {
      expect(observed('uploaded')).toMatchObject({ service: 'localhost/upload', max_file_size: MAX_BYTES, url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${server.httpPort}/files/[A-Za-z0-9_-]{24}/report\\.pdf$`)) });
    });

    it('lets the receiver download the same bytes, as an attachment with nosniff', () => {
      expect(observed('downloaded')).toMatchObject({ status: 200, size: file.length, sha256: fileHash(), sent_sha256: fileHash(), nosniff: 'nosniff', disposition: expect.stringMatching(/^attachment; filename="report\.pdf"/) });
    });

    it('gets not-acceptable with the reason for a refused type (§4)', () => {
      expect(observed('refused-type')).toMatchObject({ refused: true, condition: 'not-acceptable', type: 'modify', text: 'setup.exe: files of type .exe are not accepted (files.refusedTypes)' });
    });

    it('refuses a too-large file itself from the announced limit, and the server refuses the slot with <file-too-large/> (§4.1)', () => {
      expect(observed('too-large-client')).toMatchObject({ refused: true, message: `File size too large: ${MAX_BYTES + 1} (max: ${MAX_BYTES} bytes)` });
      expect(observed('too-large-slot')).toMatchObject({ refused: true, condition: 'not-acceptable', max_file_size: String(MAX_BYTES), text: expect.stringContaining(`the maximum is 1.9 MB (${MAX_BYTES} bytes, files.maxBytes)`) });
    });

    it('gets HTTP 415 with the reason when it uploads an executable renamed invoice.pdf', () => {
      expect(observed('renamed-exe')).toMatchObject({ refused: true, status: 415, text: 'invoice.pdf is named as .pdf but its content is a Windows executable (.exe), which is not accepted (files.refusedTypes)' });
    });

    it('delivers a decline to the sender and deletes the file (docs/files.md)', () => {
      expect(observed('declined')).toMatchObject({ url: expect.stringContaining('/notes.txt'), status_after: 404 });
    });
  });

  describe('XEP-0096 offers through the XEP-0065 proxy', () => {
    it('finds localhost/proxy65 through disco items with its streamhost (§4, §6.3.1)', () => {
      expect(observed('proxies').proxies).toEqual({ 'localhost/proxy65': ['127.0.0.1', server.node.ports.proxy] });
    });

    it('relays the same bytes from alice to bob', () => {
      expect(observed('s5b-received')).toMatchObject({ size: file.length, sha256: fileHash() });
    });

    it('bounces an offer of a refused type or size to the sender, and the receiver sees nothing before a later marker', () => {
      expect(observed('s5b-refused-offer')).toMatchObject({ refused: true, condition: 'not-acceptable', text: 'setup.exe: files of type .exe are not accepted (files.refusedTypes)', bob_saw: [] });
      expect(observed('s5b-too-large')).toMatchObject({ refused: true, condition: 'not-acceptable', max_file_size: String(MAX_BYTES), bob_saw: [] });
    });

    it('cuts an executable sent as report.pdf before the receiver gets a byte', () => {
      expect(observed('s5b-renamed-exe')).toEqual({ event: 's5b-renamed-exe', received: 0 });
    });
  });

  describe('XEP-0096 offers over XEP-0047 in-band bytestreams', () => {
    it('carries the same bytes from alice to bob', () => {
      expect(observed('ibb-received')).toMatchObject({ size: file.length, sha256: fileHash() });
    });

    it('refuses the first block of an executable sent as report.pdf', () => {
      expect(observed('ibb-renamed-exe')).toMatchObject({ refused: true, condition: 'not-acceptable', text: expect.stringContaining('report.pdf is named as .pdf but its content is a Windows executable'), bob_received: 0 });
    });
  });
});
