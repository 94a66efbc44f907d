// The file-transfer policy over HTTP (issue #10; design §6): what IM&P's File Transfer Manager
// and Mitel's attachment settings let an administrator change — enabled, maximum size, allowed
// and refused types, files a day, quota per user.
//   GET    /api/v1/settings/files   the policy in force, its source (config | admin), the config defaults
//   PUT    /api/v1/settings/files   a whole policy as JSON; keys left out take the config default
//   DELETE /api/v1/settings/files   back to the config file's policy
// The service is @deskchat/files' FilePolicyService, passed in by the server (this package must not
// import layer 2's files package); it validates with the same parser as the config file, whose
// errors name the key, and stores the value in the SettingsStore so that every node applies it.
import type Router from '@koa/router';
import { OptionsError } from '@deskchat/core';
import { failures } from './http-error.js';
import { readJson } from './json-body.js';

export interface FilePolicyAdminService {
  report(): Promise<unknown>;
  /** Throws OptionsError naming the key when a value is bad. */
  set(value: unknown, updatedBy: string): Promise<unknown>;
  reset(): Promise<unknown>;
}

const PATH = '/api/v1/settings/files';

export function filePolicyRoutes(router: Router, service: () => FilePolicyAdminService | undefined): void {
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
    try {
      ctx.body = await use().set(body, 'admin-api');
    } catch (err) {
      if (err instanceof OptionsError) throw failures.badRequest(err.message);
      throw err;
    }
  });

  router.delete(PATH, async (ctx) => {
    ctx.body = await use().reset();
  });
}
