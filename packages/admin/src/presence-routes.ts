// Presence sources over HTTP (the "Instant messaging" issue): phone systems and calendars push
// on-call / in-meeting; GET returns the composed presence with every source that went into it.
//   PUT    /api/v1/users/{username}/presence-sources/{phone|calendar}   {"state": …}
//   DELETE /api/v1/users/{username}/presence-sources/{phone|calendar}
//   GET    /api/v1/users/{username}/presence
import type Router from '@koa/router';
import { isValidUsername, normalizeUsername } from '@deskchat/core';
import { SOURCE_STATES, type PresenceReport, type PresenceSourceService, type SourceName } from '@deskchat/im';
import { failures } from './http-error.js';
import { readJson } from './json-body.js';

function username(raw: string): string {
  if (!isValidUsername(raw)) throw failures.badRequest(`'${raw}' is not a valid username`);
  return normalizeUsername(raw);
}

/**
 * An offline user's composed state reads `unavailable` (RFC 6121 §4.5: no available resource), not
 * the `xa` the composition uses internally, which a reader would take for "extended away".
 */
function render(report: PresenceReport): PresenceReport | (Omit<PresenceReport, 'composed'> & { composed: Omit<PresenceReport['composed'], 'show'> & { show: 'unavailable' } }) {
  return report.composed.isAvailable ? report : { ...report, composed: { ...report.composed, show: 'unavailable' } };
}

function source(raw: string): SourceName {
  if (!(raw in SOURCE_STATES)) throw failures.notFound(`unknown presence source '${raw}' (known: ${Object.keys(SOURCE_STATES).join(', ')})`);
  return raw as SourceName;
}

export function presenceRoutes(router: Router, service: () => PresenceSourceService | undefined): void {
  const use = () => {
    const s = service();
    if (!s) throw failures.notFound('presence sources are not enabled on this node');
    return s;
  };

  router.put('/api/v1/users/:username/presence-sources/:source', async (ctx) => {
    const user = username(ctx.params.username);
    const name = source(ctx.params.source);
    const body = await readJson(ctx);
    const state = typeof body === 'object' && body !== null ? (body as { state?: unknown }).state : undefined;
    if (typeof state !== 'string' || !SOURCE_STATES[name].includes(state)) {
      throw failures.badRequest(`"state" must be one of ${SOURCE_STATES[name].map((s) => `"${s}"`).join(', ')}`);
    }
    if (!(await use().setSource(user, name, state))) throw failures.notFound(`no such user '${user}'`);
    ctx.body = render((await use().report(user))!);
  });

  router.delete('/api/v1/users/:username/presence-sources/:source', async (ctx) => {
    const user = username(ctx.params.username);
    const name = source(ctx.params.source);
    if (!(await use().setSource(user, name, undefined))) throw failures.notFound(`no such user '${user}'`);
    ctx.body = render((await use().report(user))!);
  });

  router.get('/api/v1/users/:username/presence', async (ctx) => {
    const user = username(ctx.params.username);
    const report = await use().report(user);
    if (!report) throw failures.notFound(`no such user '${user}'`);
    ctx.body = render(report);
  });
}
