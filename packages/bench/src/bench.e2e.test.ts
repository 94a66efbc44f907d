// Smoke test of `npm run bench`: every scenario at a tiny scale against a real DeskChat node that
// the bench starts itself on free loopback ports (TCP, BOSH per XEP-0124/0206, WebSocket per RFC
// 7395). It checks that the run reports a JSON summary with the expected figures and that nothing
// was lost; it never asserts speed.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ScenarioRun } from './report.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const cli = path.join(root, 'packages/bench/dist/cli.js');

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
  runs: ScenarioRun[];
}

function bench(args: string[]): Promise<Output> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskchat-bench-test-'));
  const json = path.join(dir, 'out.json');
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args, '--json', json, '--accounts-dir', path.join(dir, 'accounts')], { cwd: root, timeout: 150_000 }, (err, stdout, stderr) => {
      const runs = fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')).runs as ScenarioRun[]) : [];
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, runs });
    });
  });
}

function figure(run: ScenarioRun | undefined, caseName: string, name: string): number | undefined {
  return run?.result?.figures.find((f) => f.case === caseName && f.name === name)?.value;
}

describe('npm run bench (tiny scale against a DeskChat node on free ports)', () => {
  let output: Output;

  beforeAll(async () => {
    expect(fs.existsSync(cli)).toBe(true); // built by `tsc -b`, as `npm test` does first
    output = await bench(['all', '--users', '6', '--sessions', '6', '--pairs', '3', '--rate', '30', '--duration', '1', '--hold', '2', '--contacts', '2', '--ping-rate', '10', '--wait', '10', '--files', '2', '--file-mb', '1', '--workers', '2', '--max-seconds', '140']);
  }, 160_000);

  it('runs every scenario and exits 0 with one line per figure and the JSON path', () => {
    expect({ code: output.code, failed: output.runs.filter((r) => r.error).map((r) => `${r.scenario}: ${r.error}`), stderr: output.stderr.slice(-2000) }).toEqual({ code: 0, failed: [], stderr: expect.any(String) });
    expect(output.runs.map((r) => [r.scenario, r.server])).toEqual([
      ['login', 'deskchat'],
      ['idle-hold', 'deskchat'],
      ['messages', 'deskchat'],
      ['presence-fanout', 'deskchat'],
      ['file-transfer', 'deskchat'],
    ]);
    expect(output.stdout).toMatch(/^login +bosh @ 30\/s +deskchat +sign-ins\/s /m);
    expect(output.stdout).toMatch(/^# JSON: /m);
  });

  it('signs every user in over BOSH (XEP-0206) with no failure, timing p50/p95/p99', () => {
    const login = output.runs.find((r) => r.scenario === 'login');
    expect(figure(login, 'bosh @ 30/s', 'failures')).toBe(0);
    for (const name of ['sign-ins/s', 'sign-in p50', 'sign-in p95', 'sign-in p99', 'generator CPU', 'server CPU', 'server RSS']) expect(figure(login, 'bosh @ 30/s', name)).toEqual(expect.any(Number));
  });

  it('keeps every long-polling BOSH session alive and answers its pings (XEP-0124 §11, XEP-0199)', () => {
    const idle = output.runs.find((r) => r.scenario === 'idle-hold');
    expect(figure(idle, 'bosh × 6', 'sessions alive')).toBe(6);
    expect(figure(idle, 'bosh × 6', 'ping p99 while idle')).toEqual(expect.any(Number));
    expect(figure(idle, 'bosh × 6', 'server memory per session')).toEqual(expect.any(Number));
  });

  it('delivers every message over BOSH, WebSocket and TCP (RFC 6121 §5, RFC 7395, RFC 6120)', () => {
    const messages = output.runs.find((r) => r.scenario === 'messages');
    for (const transport of ['bosh', 'ws', 'tcp']) {
      expect([transport, figure(messages, `${transport} @ 30/s`, 'lost')]).toEqual([transport, 0]);
      expect(figure(messages, `${transport} @ 30/s`, 'delivered')).toBeGreaterThan(0);
      expect(figure(messages, `${transport} @ 30/s`, 'latency p99')).toEqual(expect.any(Number));
    }
  });

  it('fans every status change out to each contact (RFC 6121 §4.4.2)', () => {
    const fanout = output.runs.find((r) => r.scenario === 'presence-fanout');
    expect(figure(fanout, 'tcp 6 × 2', 'contacts ready')).toBe(12);
    expect(figure(fanout, 'tcp 6 × 2 @ 30 changes/s', 'lost')).toBe(0);
    expect(figure(fanout, 'tcp 6 × 2 @ 30 changes/s', 'deliveries/s')).toBeGreaterThan(0);
  });

  it('uploads and downloads every file through XEP-0363, with MiB/s and the server\'s peak memory', () => {
    const files = output.runs.find((r) => r.scenario === 'file-transfer');
    for (const direction of ['upload', 'download']) {
      expect([direction, figure(files, '2 × 1 MiB', `${direction} failures`)]).toEqual([direction, 0]);
      expect(figure(files, '2 × 1 MiB', `${direction} MB/s`)).toBeGreaterThan(0);
      expect(figure(files, '2 × 1 MiB', `server RSS peak (${direction})`)).toEqual(expect.any(Number));
    }
  });

  it('refuses a target that is not on loopback, with usage exit code 2', async () => {
    const refused = await bench(['messages', '--target', '10.1.2.3:5222:5280']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not a loopback address');
  });
});

describe('npm run bench -- idle-hold --warmup 4 --marginal', () => {
  it('signs sessions in and out before the baseline, holds half the sessions, then all, and gives the memory each added session cost', async () => {
    const output = await bench(['idle-hold', '--sessions', '8', '--rate', '40', '--hold', '2', '--ping-rate', '10', '--wait', '10', '--workers', '2', '--warmup', '4', '--marginal', '--max-seconds', '100']);
    expect({ code: output.code, stderr: output.stderr.slice(-2000) }).toEqual({ code: 0, stderr: expect.any(String) });
    const idle = output.runs.find((r) => r.scenario === 'idle-hold');
    expect(figure(idle, 'bosh × 8', 'sessions alive')).toBe(8);
    expect(idle?.result?.figures.find((f) => f.name === 'sessions alive')?.note).toMatch(/^8 signed in, 0 failed, 0 dropped/);
    expect(idle?.result?.figures.find((f) => f.name === 'server memory per session')?.note).toMatch(/ before \(after 4 sessions signed in and out\), /);
    expect(figure(idle, 'bosh × 8', 'server memory per added session')).toEqual(expect.any(Number));
    expect(idle?.result?.figures.find((f) => f.name === 'server memory per added session')?.note).toMatch(/with 4 held, .* with 8 \(medians\)$/);
  }, 120_000);
});
