// The BOSH endpoint (XEP-0124 §5, XEP-0206) on the node's one HTTP server: the paths, CORS with
// preflight, the body size limit, content type and XML checks. It never listens. Lean on purpose
// (issue #7 §8): requests come either from node's HTTP server (`handle`: a held request keeps node's
// IncomingMessage and ServerResponse and nothing else — no framework context) or, for most BOSH
// traffic, from the BOSH wire in front of it (`handleWire`, bosh-wire.ts: no node HTTP objects at
// all). The server hands every other path to its Koa app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamError } from '@deskchat/protocol';
import { parseDocument, type Core } from '@deskchat/core';
import { terminateBody } from './body-writer.js';
import type { BoshResponse } from './bosh-response.js';
import { BoshService, type BoshServiceInit } from './bosh-service.js';
import { clientAddress, isSecureRequest, type RequestLike } from './client-address.js';
import { BOSH_PATHS, DEFAULT_CONTENT_TYPE } from './constants.js';
import { OriginPolicy, PREFLIGHT_HEADERS } from './cors.js';
import { bodyWithin, readBody, sidHint, writeReply, type BodyRead } from './http-reply.js';
import type { BoshOptions, HttpOptions } from './options.js';

/** A whole request read by the BOSH wire. */
export interface WireRequest extends RequestLike {
  method: 'POST' | 'OPTIONS';
  body: Buffer;
}

export interface BoshEndpoint {
  /** Handles the request when it is for a BOSH path and returns true; false leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** A request on a BOSH path that the wire read whole. */
  handleWire(req: WireRequest, res: BoshResponse): void;
  /**
   * The largest body the wire reads itself: the limit before authentication (xml.maxStanzaBytesBeforeAuth,
   * within bosh.maxBodyBytes), so that no connection makes it buffer more than that. A larger body
   * streams through node's HTTP server, which applies the limit of the session it names.
   */
  wireBodyBytes: number;
  service: BoshService;
}

/**
 * XEP-0124 §5: clients SHOULD send text/xml but MAY be constrained to another type (form-encoded,
 * text/plain, which needs no CORS preflight). Anything else, or a charset other than UTF-8, is refused.
 */
const ACCEPTED_TYPES = new Set(['text/xml', 'application/xml', 'text/plain', 'application/x-www-form-urlencoded']);

/** The last header checked and its answer: a client sends the same one with every request. */
let lastContentType: { header: string; problem: string | undefined } = { header: '', problem: undefined };

export function contentTypeProblem(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (header === lastContentType.header) return lastContentType.problem;
  const problem = checkContentType(header);
  lastContentType = { header, problem };
  return problem;
}

function checkContentType(header: string): string | undefined {
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (!ACCEPTED_TYPES.has(type)) return `Content-Type ${type} is not XML (XEP-0124 §5: text/xml; charset=utf-8)`;
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return `charset ${charset} is not supported; use UTF-8 (XEP-0124 §7.2)`;
  return undefined;
}

const PATHS = new Set<string>(BOSH_PATHS);

/** Whether a request target (path and query) is one of the BOSH paths. */
export function isBoshTarget(url: string): boolean {
  const query = url.indexOf('?');
  return PATHS.has(query < 0 ? url : url.slice(0, query));
}

export function createBoshEndpoint(core: Core, options: BoshOptions, http: HttpOptions, init?: BoshServiceInit): BoshEndpoint {
  const service = new BoshService(core, options, init);
  const origins = new OriginPolicy(http.corsOrigins);
  const refuse = (res: BoshResponse, status: number, condition: 'bad-request' | 'policy-violation', text: string) =>
    writeReply(res, status, DEFAULT_CONTENT_TYPE, terminateBody(condition, text));

  const preflight = (req: RequestLike, res: BoshResponse) => {
    const allowed = origins.decide(req.headers.origin, req.headers.host);
    if (allowed === false) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('origin not allowed (http.corsOrigins)');
      return;
    }
    res.writeHead(204, allowed ? { ...PREFLIGHT_HEADERS, 'Access-Control-Allow-Origin': allowed, Vary: 'Origin' } : {}).end();
  };

  /** `read` gets the body within its limit; `discard` drops a body that will not be read. */
  const post = async (req: RequestLike, res: BoshResponse, read: (maxLimit: number, limitFor: (prefix: Buffer) => number) => Promise<BodyRead>, discard: () => void) => {
    const origin = req.headers.origin || undefined;
    const allowed = origins.decide(origin, req.headers.host);
    if (allowed === false) {
      discard();
      return refuse(res, 403, 'policy-violation', `origin ${origin} is not allowed (http.corsOrigins)`);
    }
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', allowed);
      res.setHeader('Vary', 'Origin');
    }
    const typeProblem = contentTypeProblem(req.headers['content-type']);
    if (typeProblem) {
      discard();
      return refuse(res, 200, 'bad-request', typeProblem);
    }
    // Before authentication (a creation request, or a session that has not authenticated) a body
    // may be only xml.maxStanzaBytesBeforeAuth (issue #7 §2).
    const maxLimit = Math.min(options.maxBodyBytes, core.options.xml.maxStanzaBytes);
    let isAuthenticated = false;
    const limitFor = (prefix: Buffer) => {
      isAuthenticated = service.isAuthenticated(sidHint(prefix));
      return Math.min(maxLimit, core.xmlLimits(isAuthenticated).maxStanzaBytes);
    };
    const body = await read(maxLimit, limitFor);
    if (!body.bytes) {
      res.setHeader('Connection', 'close');
      const limit = Math.min(maxLimit, core.xmlLimits(isAuthenticated).maxStanzaBytes);
      const text = `request body larger than ${limit} bytes (bosh.maxBodyBytes${isAuthenticated ? '' : ', xml.maxStanzaBytesBeforeAuth'})`;
      return service.refuseBody(sidHint(body.prefix), 'policy-violation', text, res);
    }
    let parsed;
    try {
      parsed = parseDocument(body.bytes, core.xmlLimits(isAuthenticated), { wrapperDepth: 1 });
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      const condition = err.condition === 'policy-violation' ? 'policy-violation' : 'bad-request';
      // A body we cannot read ends its session for real (XEP-0124 §17.2), or the next rid would wait for this one forever.
      return service.refuseBody(sidHint(body.bytes), condition, `${err.condition}: ${err.text ?? 'the body is not acceptable XML'} (XEP-0124 §6)`, res);
    }
    service.handle(parsed, { res, isSecure: isSecureRequest(req, http.trustProxy), remoteAddress: clientAddress(req, http.trustProxy) });
  };

  // One request fails, never the process (issue #7 §1).
  const failed = (res: BoshResponse) => (err: unknown) => {
    core.log.error({ err }, 'unexpected failure handling a BOSH request');
    refuse(res, 500, 'bad-request', 'internal error');
  };

  const handleWire = (req: WireRequest, res: BoshResponse): void => {
    if (req.method === 'OPTIONS') return preflight(req, res);
    post(req, res, async (maxLimit, limitFor) => bodyWithin(req.body, maxLimit, limitFor), () => {}).catch(failed(res));
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!isBoshTarget(req.url ?? '/')) return false;
    if (req.method === 'POST') {
      post(req, res, (maxLimit, limitFor) => readBody(req, maxLimit, limitFor), () => req.resume()).catch(failed(res));
    } else if (req.method === 'OPTIONS') {
      preflight(req, res);
    } else {
      req.resume();
      res.writeHead(405, { Allow: 'POST, OPTIONS', 'Content-Type': 'text/plain; charset=utf-8' }).end('BOSH takes POST (XEP-0124 §5)');
    }
    return true;
  };

  const wireBodyBytes = Math.min(options.maxBodyBytes, core.xmlLimits(false).maxStanzaBytes);
  return { handle, handleWire, wireBodyBytes, service };
}
