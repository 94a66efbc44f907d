// Serves a built browser app (packages/web/dist/<app>) under a mount path. The files are read once
// into a map keyed by URL path, so a request can only ever name a file that was there at start-up:
// no path from a request reaches the file system (no traversal, no symlink surprises).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The directory of a built app of `@deskchat/web` (`chat` or `admin`), or undefined when it was not built. */
export function webAppDir(app: 'chat' | 'admin'): string | undefined {
  const pkg = createRequire(import.meta.url).resolve('@deskchat/web/package.json');
  const dir = path.join(path.dirname(pkg), 'dist', app);
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

function readTree(dir: string, prefix = ''): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = prefix + entry.name;
    if (entry.isDirectory()) for (const [k, v] of readTree(full, `${rel}/`)) assets.set(k, v);
    else if (entry.isFile()) {
      const body = fs.readFileSync(full);
      assets.set(rel, { body, type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
    }
  }
  return assets;
}

export interface StaticOptions {
  /** URL prefix ending in '/', e.g. '/chat/' or '/'. */
  mount: string;
  /** Extra response headers on every file (e.g. a Content-Security-Policy, frame-ancestors). */
  headers?: Record<string, string>;
}

/**
 * Koa middleware serving `dir` under `mount`: GET and HEAD only, `index.html` for the mount itself,
 * ETag revalidation, `nosniff`. The bare mount without its slash redirects to it. Anything else
 * passes to the next middleware.
 */
export function serveStatic(dir: string, options: StaticOptions): Middleware {
  const assets = readTree(dir);
  const { mount } = options;
  const bare = mount.length > 1 ? mount.slice(0, -1) : undefined;
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (bare && ctx.path === bare) {
      ctx.status = 301;
      ctx.redirect(mount + (ctx.querystring ? `?${ctx.querystring}` : ''));
      return;
    }
    if (!ctx.path.startsWith(mount)) return next();
    const rel = ctx.path.slice(mount.length) || 'index.html';
    const asset = assets.get(rel);
    if (!asset) return next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', rel.endsWith('.html') ? 'no-cache' : 'public, max-age=300');
    for (const [name, value] of Object.entries(options.headers ?? {})) ctx.set(name, value);
    ctx.etag = asset.etag;
    ctx.type = asset.type;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = asset.body;
  };
}
