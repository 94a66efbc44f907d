#!/usr/bin/env node
// Builds the browser bundles: type-checks src/ (tsc --noEmit), bundles each app with esbuild
// (no CDN at run time: everything the page loads is in dist/), and copies its static files.
//   dist/chat/   the desktop-chat gadget (HTTP port, /chat/)
//   dist/admin/  the admin page (admin port, /)
// Skips the work when dist/ is newer than every source file, so `npm start` stays fast.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const stamp = path.join(dist, '.build-stamp');
const APPS = [
  { name: 'chat', entry: 'src/gadget/main.ts', statics: 'static/chat' },
  { name: 'admin', entry: 'src/admin/main.ts', statics: 'static/admin' },
];

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of ['src', 'static', '../protocol/src']) walk(path.join(here, dir));
  for (const file of ['build.mjs', 'package.json', 'tsconfig.json']) newest = Math.max(newest, fs.statSync(path.join(here, file)).mtimeMs);
  return newest;
}

const force = process.argv.includes('--force');
if (!force && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestSource()) {
  console.log('web: bundles are up to date');
  process.exit(0);
}

execFileSync(process.execPath, [path.join(here, '../../node_modules/typescript/bin/tsc'), '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' });
fs.rmSync(dist, { recursive: true, force: true });
for (const app of APPS) {
  const out = path.join(dist, app.name);
  await build({
    entryPoints: [path.join(here, app.entry)],
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    outfile: path.join(out, 'app.js'),
    logLevel: 'warning',
  });
  fs.cpSync(path.join(here, app.statics), out, { recursive: true });
}
fs.writeFileSync(stamp, new Date().toISOString());
console.log(`web: built ${APPS.map((a) => `dist/${a.name}`).join(', ')}`);
