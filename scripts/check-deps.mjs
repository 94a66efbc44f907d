#!/usr/bin/env node
// Checks imports against the layer table of conventions.md: a package may import only the
// packages below it, only through their public entry, and layer-2 packages never import each other.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
/** Allowed @deskchat/* imports per package (production code; tests may also use `testing`). */
const ALLOWED = {
  protocol: [],
  core: ['protocol'],
  c2s: ['protocol', 'core'],
  bosh: ['protocol', 'core'],
  im: ['protocol', 'core'],
  muc: ['protocol', 'core'],
  'storage-sqlite': ['protocol', 'core'],
  files: ['protocol', 'core'],
  redis: ['protocol', 'core'],
  admin: ['protocol', 'core', 'im'],
  web: ['protocol'],
  testing: ['protocol', 'core'],
  server: ['protocol', 'core', 'c2s', 'bosh', 'im', 'muc', 'files', 'storage-sqlite', 'redis', 'admin'],
  bench: ['protocol'],
};
const NODE_FREE = new Set(['protocol', 'web']);

const problems = [];
for (const pkg of fs.readdirSync(path.join(root, 'packages'))) {
  const src = path.join(root, 'packages', pkg, 'src');
  if (!fs.existsSync(src)) continue;
  if (!(pkg in ALLOWED)) {
    problems.push(`packages/${pkg}: not in the layer table; add it to scripts/check-deps.mjs and docs/architecture.md`);
    continue;
  }
  for (const file of walk(src)) {
    // Test helpers under __tests__/ are test code too (the builds exclude them; tsconfig.tests.json checks them).
    const isTest = /\.test\.ts$/.test(file) || file.split(path.sep).includes('__tests__');
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = match[1] ?? match[2];
      const rel = path.relative(root, file);
      const dc = spec.match(/^@deskchat\/([^/]+)(\/.*)?$/);
      if (dc) {
        const [, target, subpath] = dc;
        if (subpath) problems.push(`${rel}: imports '${spec}' — use the package's public entry '@deskchat/${target}'`);
        const allowed = ALLOWED[pkg].includes(target) || (isTest && (target === 'testing' || target === pkg));
        if (!allowed && target !== pkg) problems.push(`${rel}: '${pkg}' must not import '@deskchat/${target}' (see the layer table in docs/architecture.md)`);
      }
      if (NODE_FREE.has(pkg) && !isTest && (spec.startsWith('node:') || ['fs', 'net', 'tls', 'crypto', 'path', 'os'].includes(spec))) {
        problems.push(`${rel}: '${pkg}' runs in the browser and must not import '${spec}'`);
      }
      if (spec.startsWith('.') && spec.includes('/packages/')) problems.push(`${rel}: relative import '${spec}' reaches into another package`);
    }
  }
}
if (problems.length) {
  console.error(`check-deps: ${problems.length} import(s) cross the layer table:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('check-deps: every import follows the layer table');

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield full;
  }
}
