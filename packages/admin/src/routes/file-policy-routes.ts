// The file-transfer policy over HTTP (issue #10; design §6): what IM&P's File Transfer Manager and
// Mitel's attachment settings let an administrator change — enabled, maximum size, allowed and
// refused types, files a day, quota per user (docs/files.md).
//   GET    /api/v1/settings/files   the policy in force, its source (config | admin), the config defaults
//   PUT    /api/v1/settings/files   a whole policy as JSON; keys left out take the config default
//   DELETE /api/v1/settings/files   back to the config file's policy
// The service is @deskchat/files' FilePolicyService, passed in by the server (this package must not
// import layer 2's files package). It validates with the same parser as the config file (an
// OptionsError naming the key becomes a 400 with that field) and stores the value in the
// SettingsStore, so that every node applies it. Each change is audited with old and new values.
import type Router from '@koa/router';
import { OptionsError, type AuditLog } from '@deskchat/core';
import { recordChange } from '../audit.js';
import { failures } from '../http-error.js';
import { readJson } from '../json-body.js';

export interface FilePolicyAdminService {
  /** `{ policy, source, defaults, updatedAt?, updatedBy? }` */
  report(): Promise<{ policy: unknown }>;
  /** Throws OptionsError naming the key (`files.maxBytes`) when a value is bad. */
  set(value: unknown, updatedBy: string): Promise<{ policy: unknown }>;
  reset(): Promise<{ policy: unknown }>;
}

const PATH = '/api/v1/settings/files';
const TARGET = 'files.policy';

export function filePolicyRoutes(router: Router, service: () => FilePolicyAdminService | undefined, audit: AuditLog): void {
  const use = () => {
    const s = service();
    if (!s) throw failures.notFound('file transfer is not configured on this node');
    return s;
  };

  router.get(PATH, async (ctx) => {
    ctx.body = await use().report();
  });

  router.put(PATH, async (ctx) => {
    const body = await readJson(ctx);
    const policies = use();
    const before = await policies.report();
    let after: { policy: unknown };
    try {
      after = await policies.set(body, ctx.state.identity.actor as string);
    } catch (err) {
      if (!(err instanceof OptionsError)) throw err;
      // `files.allowedTypes[1]` → the form's field `allowedTypes[1]`.
      throw failures.invalid({ [err.key.replace(/^files\.?/, '') || 'body']: err.message.slice(err.key.length + 2) });
    }
    await recordChange(audit, ctx, { action: 'settings.files.update', target: TARGET, oldValue: before.policy, newValue: after.policy });
    ctx.body = after;
  });

  router.delete(PATH, async (ctx) => {
    const policies = use();
    const before = await policies.report();
    const after = await policies.reset();
    await recordChange(audit, ctx, { action: 'settings.files.reset', target: TARGET, oldValue: before.policy, newValue: after.policy });
    ctx.body = after;
  });
}
