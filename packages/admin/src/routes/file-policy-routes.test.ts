// The file-policy routes over the real admin middleware on a free loopback port, with a fake
// service that validates as the real one does (errors are OptionsError naming the key): per-field
// 400s, nothing stored on a bad request, who changed it, an audit entry per change.
import { afterEach, describe, expect, it } from '@jest/globals';
import { OptionsError } from '@deskchat/core';
import { TOKEN, bearer, serve, type Served } from '../__tests__/serve.js';
import type { FilePolicyAdminService } from './file-policy-routes.js';

let served: Served | undefined;
afterEach(() => served?.close());

const URL_PATH = '/api/v1/settings/files';
const json = { ...bearer(TOKEN), 'content-type': 'application/json' };

function fakePolicy(): FilePolicyAdminService & { stored?: Record<string, unknown>; by?: string } {
  const service: FilePolicyAdminService & { stored?: Record<string, unknown>; by?: string } = {
    report: async () => ({ policy: service.stored ?? { maxBytes: 5 }, source: service.stored ? 'admin' : 'config' }),
    set: async (value, by) => {
      const maxBytes = (value as { maxBytes?: unknown }).maxBytes;
      if (typeof maxBytes !== 'number' || maxBytes < 1) throw new OptionsError('files.maxBytes', 'must be an integer 1..1099511627776');
      service.stored = value as Record<string, unknown>;
      service.by = by;
      return service.report();
    },
    reset: async () => {
      service.stored = undefined;
      return service.report();
    },
  };
  return service;
}

describe('GET/PUT/DELETE /api/v1/settings/files', () => {
  it('reads, replaces and reverts the policy, recording who changed it and auditing each change', async () => {
    const service = fakePolicy();
    served = await serve({ filePolicy: () => service });
    expect(await (await fetch(served.base + URL_PATH, { headers: bearer(TOKEN) })).json()).toEqual({ policy: { maxBytes: 5 }, source: 'config' });
    const put = await fetch(served.base + URL_PATH, { method: 'PUT', headers: json, body: JSON.stringify({ maxBytes: 1024 }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ policy: { maxBytes: 1024 }, source: 'admin' });
    expect(service.by).toBe('token:bootstrap');
    expect(await (await fetch(served.base + URL_PATH, { method: 'DELETE', headers: bearer(TOKEN) })).json()).toEqual({ policy: { maxBytes: 5 }, source: 'config' });
    const [reset, update] = await served.stores.audit.list();
    expect(update).toMatchObject({ actor: 'token:bootstrap', action: 'settings.files.update', target: 'files.policy', oldValue: { maxBytes: 5 }, newValue: { maxBytes: 1024 } });
    expect(reset).toMatchObject({ action: 'settings.files.reset', oldValue: { maxBytes: 1024 }, newValue: { maxBytes: 5 } });
  });

  it('answers 400 naming the field that is wrong, and stores and audits nothing', async () => {
    const service = fakePolicy();
    served = await serve({ filePolicy: () => service });
    const put = await fetch(served.base + URL_PATH, { method: 'PUT', headers: json, body: JSON.stringify({ maxBytes: 0 }) });
    expect(put.status).toBe(400);
    expect(await put.json()).toEqual({ error: 'invalid', reason: 'maxBytes: must be an integer 1..1099511627776', fields: { maxBytes: 'must be an integer 1..1099511627776' } });
    expect(service.stored).toBeUndefined();
    expect(await served.stores.audit.list()).toEqual([]);
  });

  it('needs credentials, JSON, and a node with file transfer', async () => {
    served = await serve({ filePolicy: () => fakePolicy() });
    expect((await fetch(served.base + URL_PATH)).status).toBe(401);
    expect((await fetch(served.base + URL_PATH, { method: 'PUT', headers: { ...bearer(TOKEN), 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    served.close();
    served = await serve();
    expect(await (await fetch(served.base + URL_PATH, { headers: bearer(TOKEN) })).json()).toMatchObject({ error: 'not-found', reason: 'file transfer is not configured on this node' });
  });
});
