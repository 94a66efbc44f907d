// The desktop-chat gadget's OpenSocial definition at /chat/gadget.xml (issue #12). Containers
// resolve a relative Content href differently (or not at all), so the node fills in the absolute
// address of its own /chat/ page, as the client reached it (the scheme and host behind a reverse
// proxy when http.trustProxy is set). The template is packages/web/static/chat/gadget.xml.
import fs from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';

export const GADGET_SPEC_PATH = '/chat/gadget.xml';
const PLACEHOLDER = '{{chat-url}}';

/** XML attribute text (the Host header comes from the client). */
export function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The definition with `chatUrl` (e.g. https://chat.example.com:5280/chat/) in place. */
export function renderGadgetSpec(template: string, chatUrl: string): string {
  return template.split(PLACEHOLDER).join(xmlAttr(chatUrl));
}

/** Koa middleware answering GET/HEAD /chat/gadget.xml from the built gadget's template. */
export function serveGadgetSpec(chatDir: string): Middleware | undefined {
  const file = path.join(chatDir, 'gadget.xml');
  if (!fs.existsSync(file)) return undefined;
  const template = fs.readFileSync(file, 'utf8');
  return async (ctx, next) => {
    if (ctx.path !== GADGET_SPEC_PATH || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    // Koa 3's ctx.origin is the Origin header; the address the client used is protocol + Host
    // (X-Forwarded-* with trustProxy). A malformed Host gets no definition rather than a broken one.
    let chatUrl: string;
    try {
      if (!ctx.host) throw new Error('no Host');
      chatUrl = new URL('/chat/', `${ctx.protocol}://${ctx.host}`).toString();
    } catch {
      ctx.status = 400;
      return;
    }
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Vary', 'Host');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = 'application/xml; charset=utf-8';
    ctx.body = renderGadgetSpec(template, chatUrl);
  };
}
