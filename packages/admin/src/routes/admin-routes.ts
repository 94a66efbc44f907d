// API tokens and the audit log on the admin API.
//   GET    /api/v1/tokens           [{name, createdAt, createdBy}]
//   POST   /api/v1/tokens {"name"}  201 {"name", "token"}   (the token is shown this once)
//   DELETE /api/v1/tokens/{name}
//   GET    /api/v1/audit?before=&limit=   newest first
import type Router from '@koa/router';
import type { AdminStores } from '@deskchat/core';
import { recordChange } from '../audit.js';
import { generateApiToken, tokenHash } from '../auth/api-token.js';
import { ADMIN_NAME_RULE, parseTokenName } from '../auth/admin-names.js';
import { failures } from '../http-error.js';
import { readJson } from '../json-body.js';

export function adminRoutes(router: Router, stores: AdminStores, now: () => number = Date.now): void {
  router.get('/api/v1/tokens', async (ctx) => {
    ctx.body = await stores.apiTokens.listTokens();
  });

  router.post('/api/v1/tokens', async (ctx) => {
    const body = (await readJson(ctx)) as { name?: unknown } | null;
    const name = typeof body?.name === 'string' ? parseTokenName(body.name) : undefined;
    if (!name) throw failures.invalid({ name: ADMIN_NAME_RULE.replace('an admin name', 'a token name') });
    const token = generateApiToken();
    const createdBy = ctx.state.identity.actor as string;
    if (!(await stores.apiTokens.createToken({ name, hash: tokenHash(token), createdAt: now(), createdBy }))) throw failures.conflict(`a token named '${name}' exists; revoke it first`);
    await recordChange(stores.audit, ctx, { action: 'token.create', target: name }, now);
    ctx.status = 201;
    ctx.body = { name, token };
  });

  router.delete('/api/v1/tokens/:name', async (ctx) => {
    const name = ctx.params.name!;
    if (!(await stores.apiTokens.revokeToken(name))) throw failures.notFound(`no token named '${name}'`);
    await recordChange(stores.audit, ctx, { action: 'token.revoke', target: name }, now);
    ctx.status = 204;
  });

  router.get('/api/v1/audit', async (ctx) => {
    const limit = ctx.query.limit === undefined ? 50 : Number(ctx.query.limit);
    const before = ctx.query.before === undefined ? undefined : Number(ctx.query.before);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw failures.invalid({ limit: 'must be an integer 1..500' });
    if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw failures.invalid({ before: 'must be a positive integer (an entry id)' });
    ctx.body = await stores.audit.list({ limit, before });
  });
}
