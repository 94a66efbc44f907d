// What a fresh clone must hold (issue #7 §6): the LICENSE that every package.json declares, and the
// committed `deskchat` launcher that npm links as the bin before anything is built.
import { describe, it, expect } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const manifests = ['package.json', ...fs.readdirSync(path.join(root, 'packages')).map((p) => path.join('packages', p, 'package.json'))].filter((f) => fs.existsSync(path.join(root, f)));

describe('repository', () => {
  it('has the Apache-2.0 LICENSE that every package.json declares', () => {
    for (const file of manifests) expect([file, JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')).license]).toEqual([file, 'Apache-2.0']);
    const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  it('links the deskchat bin to a committed, executable launcher (npm links a bin only if it exists at install time)', () => {
    const server = JSON.parse(fs.readFileSync(path.join(root, 'packages/server/package.json'), 'utf8')) as { bin: Record<string, string> };
    const launcher = path.join(root, 'packages/server', server.bin.deskchat);
    expect(server.bin.deskchat).not.toMatch(/dist\//);
    expect(fs.statSync(launcher).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(launcher, 'utf8')).toMatch(/^#!\/usr\/bin\/env node/);
  });
});
