// Chat users on the admin API. The account rules (RFC 7622 usernames, RFC 4013 passwords, SCRAM
// keys derived on the thread pool, CSV import) are the CLI's: the server hands them in as a
// UserAdminService, so the page, the API and `deskchat user …` agree on every rule.
//   GET    /api/v1/users?search=&offset=&limit=      {"total", "users": [{username, name, email, createdAt, node?}]}
//   POST   /api/v1/users                             {"username", "password"?, "name"?, "email"?, "node"?}
// In a cluster each user has a home node (`node` in the list); a new one goes to the node given, else
// to the least loaded one (cluster-routes.ts moves users).
//   DELETE /api/v1/users/{username}                  {"username", "sessionsEnded"}   (its sessions end on every node)
//   PUT    /api/v1/users/{username}/password          {"password"?}   (none: one is generated and shown once)
//   POST   /api/v1/users/import   (text/csv)          202 {"id", "total"}; then
//   GET    /api/v1/users/import/{id}                  {"processed", "total", "done", "summary"?}
// Passwords are never written to the audit log.
import type Router from '@koa/router';
import type { AccountSummary, AuditLog } from '@deskchat/core';
import { recordChange } from '../audit.js';
import { failures } from '../http-error.js';
import { readJson } from '../json-body.js';

export interface ImportReport {
  imported: number;
  skipped: number;
  errors: { line: number; message: string }[];
}

export interface PreparedImport {
  /** Rows that will be imported (bad rows are already in `errors`). */
  total: number;
  run(onProgress: (done: number, total: number) => void): Promise<ImportReport>;
}

export interface UserAdminService {
  /** In a cluster each user carries its home node (absent until assigned). */
  list(query: { search?: string; offset: number; limit: number }): Promise<{ total: number; users: (AccountSummary & { node?: string })[] }>;
  /**
   * Throws HttpError (400 naming the field, 409 when taken). Returns the generated password when
   * none was given and, in a cluster, the node the user was assigned to (`node` if given).
   */
  add(user: { username: unknown; password?: unknown; name?: unknown; email?: unknown; node?: unknown }): Promise<{ username: string; generatedPassword?: string; node?: string }>;
  /** undefined: no such user; else how many signed-in sessions of the user were ended. */
  remove(username: string): Promise<{ sessionsEnded: number } | undefined>;
  /** undefined: no such user. */
  setPassword(username: string, password: unknown): Promise<{ username: string; generatedPassword?: string } | undefined>;
  /** Reads and checks the whole CSV (throws HttpError 400 when it is unusable as a whole). */
  prepareImport(csv: string): PreparedImport;
}

interface ImportJob {
  id: string;
  total: number;
  processed: number;
  done: boolean;
  summary?: ImportReport;
  failure?: string;
}

const MAX_LIMIT = 500;
const MAX_CSV_BYTES = 16 * 1024 * 1024;
const KEPT_JOBS = 20;

export function userRoutes(router: Router, users: () => UserAdminService | undefined, audit: AuditLog): void {
  const jobs = new Map<string, ImportJob>();
  let jobCounter = 0;
  const service = () => users() ?? failNotAvailable();

  router.get('/api/v1/users', async (ctx) => {
    const search = typeof ctx.query.search === 'string' ? ctx.query.search.trim() : '';
    const offset = bounded('offset', ctx.query.offset, 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = bounded('limit', ctx.query.limit, 1, MAX_LIMIT, 50);
    ctx.body = await service().list({ search: search || undefined, offset, limit });
  });

  router.post('/api/v1/users', async (ctx) => {
    const body = objectBody(await readJson(ctx));
    const result = await service().add({ username: body.username, password: body.password, name: body.name, email: body.email, node: body.node });
    await recordChange(audit, ctx, { action: 'user.add', target: result.username, newValue: { username: result.username, name: body.name ?? null, email: body.email ?? null, ...(result.node ? { node: result.node } : {}) } });
    ctx.status = 201;
    ctx.body = result;
  });

  router.delete('/api/v1/users/:username', async (ctx) => {
    const username = ctx.params.username!.toLowerCase();
    const removed = await service().remove(username);
    if (!removed) throw failures.notFound(`no such user '${username}'`);
    await recordChange(audit, ctx, { action: 'user.remove', target: username, oldValue: { username } });
    // The count lets `deskchat user remove` (and scripts) say what the removal ended.
    ctx.body = { username, sessionsEnded: removed.sessionsEnded };
  });

  router.put('/api/v1/users/:username/password', async (ctx) => {
    const body = ctx.request.length ? objectBody(await readJson(ctx)) : {};
    const result = await service().setPassword(ctx.params.username!, body.password);
    if (!result) throw failures.notFound(`no such user '${ctx.params.username}'`);
    await recordChange(audit, ctx, { action: 'user.password.reset', target: result.username });
    ctx.body = result;
  });

  router.post('/api/v1/users/import', async (ctx) => {
    if (!ctx.is('text/csv', 'text/plain')) throw failures.unsupportedMediaType();
    const csv = await readText(ctx);
    const prepared = service().prepareImport(csv);
    const job: ImportJob = { id: `import-${++jobCounter}`, total: prepared.total, processed: 0, done: false };
    jobs.set(job.id, job);
    if (jobs.size > KEPT_JOBS) jobs.delete(jobs.keys().next().value!);
    const identityCtx = ctx;
    prepared
      .run((done) => (job.processed = done))
      .then(async (summary) => {
        job.summary = summary;
        await recordChange(audit, identityCtx, { action: 'user.import', newValue: { imported: summary.imported, skipped: summary.skipped, errors: summary.errors.length } });
      })
      .catch((err: Error) => (job.failure = err.message))
      .finally(() => (job.done = true));
    ctx.status = 202;
    ctx.set('Location', `/api/v1/users/import/${job.id}`);
    ctx.body = { id: job.id, total: job.total };
  });

  router.get('/api/v1/users/import/:id', (ctx) => {
    const job = jobs.get(ctx.params.id!);
    if (!job) throw failures.notFound(`no import '${ctx.params.id}' (the last ${KEPT_JOBS} are kept)`);
    ctx.body = job;
  });
}

function failNotAvailable(): never {
  throw failures.notFound('user administration is not available on this node');
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw failures.invalid({ body: 'must be a JSON object' });
  return body as Record<string, unknown>;
}

function bounded(name: string, raw: unknown, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw failures.invalid({ [name]: `must be an integer ${min}..${max}` });
  return n;
}

async function readText(ctx: import('koa').Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CSV_BYTES) throw failures.tooLarge(MAX_CSV_BYTES);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
