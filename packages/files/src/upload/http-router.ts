// XEP-0363 §5 on the node's one HTTP app: PUT of a slot's bytes and GET/HEAD of a stored file, at
// `/files/<id>/<name>`. A Koa router factory; `server` mounts it (it never listens).
//
// - Uploads stream from the socket to the store chunk by chunk (memory stays flat with file size);
//   an upload that sends nothing for `files.uploadIdleSeconds` is answered 408 and cut.
// - With `Expect: 100-continue` the slot, size, type and policy are checked before the client is
//   told to send the body (see `expectContinue`), so a refused upload costs no transfer.
// - Downloads (issue #10) are attachments, `nosniff`, under a CSP that runs nothing, so an
//   uploaded HTML or SVG file is never rendered as a page of our origin.
// - CORS: `Access-Control-Allow-Origin: *` on these paths only. The unguessable URL is the
//   capability (no cookies are involved), and web clients such as Converse.js are often served
//   from another origin than the chat server.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { FILES_PATH, type UploadService } from './upload-service.js';
import { HttpFailure, failures } from './failures.js';

export interface FilesRouterOptions {
  service: () => UploadService | undefined;
  /** Seconds an upload may send nothing (files.uploadIdleSeconds). */
  uploadIdleSeconds: number;
  /** Checks a user's XMPP password for downloads under files.downloadRequiresAuth (with its own lockout). */
  verifyPassword?: (username: string, password: string, address: string) => Promise<boolean>;
}

const ROUTE = `${FILES_PATH}:id/:name`;
const DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";

export function createFilesRouter(options: FilesRouterOptions): Router {
  const router = new Router();
  const use = () => {
    const service = options.service();
    if (!service) throw failures.noFile();
    return service;
  };

  router.use(ROUTE, async (ctx, next) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    try {
      await next();
    } catch (err) {
      if (!(err instanceof HttpFailure)) throw err;
      ctx.status = err.status;
      for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = err.text;
    }
  });

  router.options(ROUTE, (ctx) => {
    ctx.set('Access-Control-Allow-Methods', 'GET, HEAD, PUT, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    ctx.set('Access-Control-Max-Age', '86400');
    ctx.status = 204;
  });

  router.put(ROUTE, async (ctx) => {
    const service = use();
    const length = ctx.get('Content-Length');
    const idle = new IdleTimeout(options.uploadIdleSeconds * 1000);
    try {
      await service.receive(ctx.params.id!, ctx.params.name!, {
        ...(/^\d{1,15}$/.test(length) ? { contentLength: Number(length) } : {}),
        ...(ctx.get('Content-Type') ? { contentType: ctx.get('Content-Type') } : {}),
        body: idle.guard(requestBody(ctx)),
      });
    } catch (err) {
      if (err === idle.error) {
        // Answer, then drop the connection: the rest of the body will not be read.
        ctx.set('Connection', 'close');
        ctx.res.once('finish', () => ctx.req.destroy());
        throw failures.idle(options.uploadIdleSeconds);
      }
      if (err instanceof HttpFailure) {
        // Refused part-way (content, size, no space): answer now; the unread rest of the body
        // is discarded when Node closes the connection after the answer.
        if (!ctx.req.complete) ctx.set('Connection', 'close');
        throw err;
      }
      if (isAborted(err, ctx.req)) {
        ctx.status = 400; // the client is gone; nobody reads this
        return;
      }
      throw err;
    }
    ctx.status = 201;
  });

  router.get(ROUTE, async (ctx) => {
    const service = use();
    const username = service.downloadRequiresAuth ? await authenticate(ctx, options.verifyPassword) : undefined;
    const { file, bytes } = await service.open(ctx.params.id!, ctx.params.name!, username);
    ctx.set('Content-Type', file.type);
    ctx.set('Content-Disposition', attachment(file.name));
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', DOWNLOAD_CSP);
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'private, no-transform');
    ctx.set('Accept-Ranges', 'none');
    if (file.sha256) ctx.etag = file.sha256;
    const stream = bytes instanceof Readable ? bytes : Readable.from(bytes);
    ctx.status = 200; // before `fresh`, which only holds for a 2xx
    ctx.length = file.size;
    if (ctx.method === 'HEAD' || ctx.fresh) {
      stream.destroy();
      if (ctx.fresh) ctx.status = 304;
      return;
    }
    ctx.body = stream;
  });

  return router;
}

/**
 * Node answers `Expect: 100-continue` itself unless the server has a `checkContinue` listener.
 * This one lets uploads reach the router first (which asks for the body only once its checks
 * passed) and answers every other request as Node would.
 */
export function expectContinue(server: Server, handler: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!(req.method === 'PUT' && req.url?.startsWith(FILES_PATH))) res.writeContinue();
    handler(req, res);
  });
}

/**
 * The request body; a client waiting on `Expect: 100-continue` is told to send it only now. When
 * the upload stops reading early (a refusal), the request is not destroyed, so that the answer can
 * still be written on its connection.
 */
async function* requestBody(ctx: Context): AsyncGenerator<Uint8Array> {
  if (/100-continue/i.test(ctx.get('Expect'))) ctx.res.writeContinue();
  yield* ctx.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}

/** Fails an async iteration when no chunk arrives for `ms`. */
class IdleTimeout {
  readonly error = new Error('upload idle');

  constructor(private readonly ms: number) {}

  async *guard(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const iterator = source[Symbol.asyncIterator]();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(this.error), this.ms);
      });
      try {
        const next = await Promise.race([iterator.next(), idle]);
        if (next.done) return;
        yield next.value;
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

function isAborted(err: unknown, req: IncomingMessage): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return req.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error | undefined)?.message === 'aborted';
}

/** RFC 7617 Basic credentials checked as the user's XMPP password; the username, or a 401. */
async function authenticate(ctx: Context, verify: FilesRouterOptions['verifyPassword']): Promise<string> {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(ctx.get('Authorization'));
  if (!match || !verify) throw failures.unauthorized();
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw failures.unauthorized();
  // "alice" or "alice@domain": the localpart is the account.
  const username = decoded.slice(0, colon).split('@')[0]!.toLowerCase();
  if (!(await verify(username, decoded.slice(colon + 1), ctx.ip))) throw failures.unauthorized();
  return username;
}

/** RFC 6266 §4.3: an ASCII fallback and the UTF-8 name (RFC 8187). */
function attachment(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
