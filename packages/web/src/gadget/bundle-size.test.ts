// Issue #12: the gadget's bundle stays within 200 KB gzipped (everything the page loads: the
// script and the stylesheet; the source map is only fetched by developer tools). Reads the build
// that `npm test` makes first.
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../dist/chat');
const BUDGET = 200 * 1024;

describe('the gadget bundle', () => {
  it('is at most 200 KB gzipped (app.js + chat.css + index.html)', () => {
    if (!fs.existsSync(path.join(dist, 'app.js'))) throw new Error(`no build in ${dist}: run npm run build`);
    const files = ['app.js', 'chat.css', 'index.html'];
    const sizes = Object.fromEntries(files.map((f) => [f, gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length]));
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(BUDGET);
    // Loads nothing from elsewhere at run time (no CDN): no absolute http(s) URL in the page or the stylesheet.
    for (const f of ['index.html', 'chat.css']) expect(fs.readFileSync(path.join(dist, f), 'utf8')).not.toMatch(/(src|href|url)\s*[=(]\s*["']?https?:/);
  });
});
