// Settings on the admin API (issue "Administration"): the chat server URLs and the load limits.
//   GET/PUT /api/v1/settings/chat-servers  {"primary": URL, "secondary": URL|null}
//   GET/PUT /api/v1/settings/load-limits   {"maxSessionsPerNode": n, "restoreSessionsPerNode": n}
// Values go through the same parsers as the config file; each change is audited with old and new values.
import type Router from '@koa/router';
import { OptionsError, parseLoadLimits, type AuditLog, type LoadLimits, type SettingsStore } from '@deskchat/core';
import { recordChange } from '../audit.js';
import { CHAT_SERVERS_KEY, parseChatServers, type ChatServers } from '../chat-servers.js';
import { failures } from '../http-error.js';
import { readJson } from '../json-body.js';

/** The node's load limit as the admin API sees it (the server wires it to core). */
export interface LoadLimitControl {
  current(): LoadLimits;
  apply(limits: LoadLimits): void;
  status(): { sessions: number; isRefusing: boolean; refusals: number };
}

export const LOAD_LIMITS_KEY = 'load-limits';

export interface SettingsRoutesOptions {
  settings: SettingsStore;
  audit: AuditLog;
  allowInsecureChatUrls: boolean;
  loadLimit?: LoadLimitControl;
}

const EMPTY: ChatServers = { primary: null, secondary: null };

export function settingsRoutes(router: Router, options: SettingsRoutesOptions): void {
  const { settings, audit } = options;

  router.get('/api/v1/settings/chat-servers', async (ctx) => {
    const stored = await settings.get<ChatServers>(CHAT_SERVERS_KEY);
    ctx.body = stored ? { ...stored.value, updatedBy: stored.updatedBy ?? null, updatedAt: stored.updatedAt } : { ...EMPTY, updatedBy: null, updatedAt: null };
  });

  router.put('/api/v1/settings/chat-servers', async (ctx) => {
    const result = parseChatServers(await readJson(ctx), { allowInsecure: options.allowInsecureChatUrls });
    if ('problems' in result) throw failures.invalid(result.problems);
    const before = await settings.get<ChatServers>(CHAT_SERVERS_KEY);
    const actor = ctx.state.identity.actor as string;
    const stored = await settings.set(CHAT_SERVERS_KEY, result.value, actor);
    await recordChange(audit, ctx, { action: 'settings.chat-servers.update', target: CHAT_SERVERS_KEY, oldValue: before?.value ?? EMPTY, newValue: result.value });
    ctx.body = { ...stored.value, updatedBy: stored.updatedBy ?? null, updatedAt: stored.updatedAt };
  });

  router.get('/api/v1/settings/load-limits', async (ctx) => {
    const control = requireControl(options.loadLimit);
    const stored = await settings.get(LOAD_LIMITS_KEY);
    ctx.body = { ...control.current(), ...control.status(), updatedBy: stored?.updatedBy ?? null, updatedAt: stored?.updatedAt ?? null };
  });

  router.put('/api/v1/settings/load-limits', async (ctx) => {
    const control = requireControl(options.loadLimit);
    const body = await readJson(ctx);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw failures.invalid({ body: 'must be a JSON object' });
    const unknown = Object.keys(body).filter((k) => k !== 'maxSessionsPerNode' && k !== 'restoreSessionsPerNode');
    if (unknown.length) throw failures.invalid(Object.fromEntries(unknown.map((k) => [k, 'unknown field'])));
    let limits: LoadLimits;
    try {
      limits = parseLoadLimits(body as Record<string, unknown>, 'limits');
    } catch (err) {
      if (!(err instanceof OptionsError)) throw err;
      throw failures.invalid({ [err.key.replace(/^limits\./, '')]: err.message.slice(err.key.length + 2) });
    }
    const before = control.current();
    const stored = await settings.set(LOAD_LIMITS_KEY, limits, ctx.state.identity.actor as string);
    control.apply(limits);
    await recordChange(audit, ctx, { action: 'settings.load-limits.update', target: LOAD_LIMITS_KEY, oldValue: before, newValue: limits });
    ctx.body = { ...limits, ...control.status(), updatedBy: stored.updatedBy ?? null, updatedAt: stored.updatedAt };
  });
}

function requireControl(control: LoadLimitControl | undefined): LoadLimitControl {
  if (!control) throw failures.notFound('load limits are not available on this node');
  return control;
}
