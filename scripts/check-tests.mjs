#!/usr/bin/env node
// Fails when a test file tracked by git is one jest would not run (conventions §9), or when a
// test is left focused or skipped.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 32 << 20 });
const tracked = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.test.ts', '*.test.js', '*.test.mjs'])
  .split('\n')
  .filter(Boolean);
const listed = new Set(
  run(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--listTests'])
    .split('\n')
    .filter(Boolean)
    .map((f) => path.relative(root, f)),
);
const missing = tracked.filter((f) => !listed.has(f));
const focused = [];
for (const file of tracked) {
  const text = run('cat', [file]);
  if (/\b(it|test|describe)\.(only|skip)\(|\bx(it|describe)\(/.test(text)) focused.push(file);
}
if (missing.length || focused.length) {
  if (missing.length) console.error(`check-tests: jest would not run these test files:\n  ${missing.join('\n  ')}`);
  if (focused.length) console.error(`check-tests: focused or skipped tests in:\n  ${focused.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-tests: jest runs all ${tracked.length} test files`);
