// The BOSH endpoint (XEP-0124 §5, XEP-0206) as a Koa router for the node's one HTTP app: the
// paths, CORS with preflight, the body size limit, content type and XML checks. It never listens.
import Router from '@koa/router';
import type { Context } from 'koa';
import { StreamError } from '@deskchat/protocol';
import { parseDocument, type Core } from '@deskchat/core';
import { terminateBody } from './body-writer.js';
import { BoshService, type BoshServiceInit } from './bosh-service.js';
import { BOSH_PATHS, DEFAULT_CONTENT_TYPE } from './constants.js';
import { OriginPolicy, PREFLIGHT_HEADERS } from './cors.js';
import { readBody, sidHint, writeReply } from './http-reply.js';
import type { BoshOptions, HttpOptions } from './options.js';

export interface BoshEndpoint {
  router: Router;
  service: BoshService;
}

/**
 * XEP-0124 §5: clients SHOULD send text/xml but MAY be constrained to another type (form-encoded,
 * text/plain, which needs no CORS preflight). Anything else, or a charset other than UTF-8, is refused.
 */
const ACCEPTED_TYPES = new Set(['text/xml', 'application/xml', 'text/plain', 'application/x-www-form-urlencoded']);

export function contentTypeProblem(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (!ACCEPTED_TYPES.has(type)) return `Content-Type ${type} is not XML (XEP-0124 §5: text/xml; charset=utf-8)`;
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return `charset ${charset} is not supported; use UTF-8 (XEP-0124 §7.2)`;
  return undefined;
}

export function createBoshEndpoint(core: Core, options: BoshOptions, http: HttpOptions, init?: BoshServiceInit): BoshEndpoint {
  const service = new BoshService(core, options, init);
  const origins = new OriginPolicy(http.corsOrigins);
  const refuse = (ctx: Context, status: number, condition: 'bad-request' | 'policy-violation', text: string) =>
    writeReply(ctx.res, status, DEFAULT_CONTENT_TYPE, terminateBody(condition, text));

  const preflight = (ctx: Context) => {
    const allowed = origins.decide(ctx.get('Origin') || undefined, ctx.get('Host'));
    if (allowed === false) {
      ctx.status = 403;
      ctx.body = 'origin not allowed (http.corsOrigins)';
      return;
    }
    if (allowed) ctx.set({ ...PREFLIGHT_HEADERS, 'Access-Control-Allow-Origin': allowed, Vary: 'Origin' });
    ctx.status = 204;
  };

  const post = async (ctx: Context) => {
    // The response is written to node's ServerResponse directly, possibly much later (a held request).
    ctx.respond = false;
    const origin = ctx.get('Origin') || undefined;
    const allowed = origins.decide(origin, ctx.get('Host'));
    if (allowed === false) return refuse(ctx, 403, 'policy-violation', `origin ${origin} is not allowed (http.corsOrigins)`);
    if (allowed) {
      ctx.res.setHeader('Access-Control-Allow-Origin', allowed);
      ctx.res.setHeader('Vary', 'Origin');
    }
    const typeProblem = contentTypeProblem(ctx.get('Content-Type'));
    if (typeProblem) {
      ctx.req.resume();
      return refuse(ctx, 200, 'bad-request', typeProblem);
    }
    // Before authentication (a creation request, or a session that has not authenticated) a body
    // may be only xml.maxStanzaBytesBeforeAuth (issue #7 §2).
    const maxLimit = Math.min(options.maxBodyBytes, core.options.xml.maxStanzaBytes);
    let isAuthenticated = false;
    const limitFor = (prefix: Buffer) => {
      isAuthenticated = service.isAuthenticated(sidHint(prefix));
      return Math.min(maxLimit, core.xmlLimits(isAuthenticated).maxStanzaBytes);
    };
    const read = await readBody(ctx.req, maxLimit, limitFor);
    if (!read.bytes) {
      ctx.res.setHeader('Connection', 'close');
      const limit = Math.min(maxLimit, core.xmlLimits(isAuthenticated).maxStanzaBytes);
      const text = `request body larger than ${limit} bytes (bosh.maxBodyBytes${isAuthenticated ? '' : ', xml.maxStanzaBytesBeforeAuth'})`;
      return service.refuseBody(sidHint(read.prefix), 'policy-violation', text, ctx.res);
    }
    let body;
    try {
      body = parseDocument(read.bytes, core.xmlLimits(isAuthenticated), { wrapperDepth: 1 });
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      const condition = err.condition === 'policy-violation' ? 'policy-violation' : 'bad-request';
      // A body we cannot read ends its session for real (XEP-0124 §17.2), or the next rid would wait for this one forever.
      return service.refuseBody(sidHint(read.bytes), condition, `${err.condition}: ${err.text ?? 'the body is not acceptable XML'} (XEP-0124 §6)`, ctx.res);
    }
    service.handle(body, { res: ctx.res, isSecure: ctx.secure, remoteAddress: ctx.ip });
  };

  const router = new Router();
  for (const path of BOSH_PATHS) {
    router.options(path, preflight);
    router.post(path, post);
  }
  return { router, service };
}
