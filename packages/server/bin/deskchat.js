#!/usr/bin/env node
// The `deskchat` command as npm links it (`npx deskchat …`). npm links a workspace's bin only if
// the file exists at install time, and dist/ does not exist before the first build: this small
// committed launcher is always there and runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('deskchat: not built yet; run `npm run build` (or `npm start`) in the repository first\n');
  process.exit(1);
}
await import(cli);
