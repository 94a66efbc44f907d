// `deskchat user remove` on a single node whose server is running. The CLI is not a node: removing
// the account in the store would leave the user's sessions going and her contacts untold (only a
// node runs the `account/removing` event and holds the sessions). So it asks the running server to
// do it through the admin API's `DELETE /api/v1/users/{u}`, exactly as the admin page does.
// It finds the server where the same configuration puts the admin port (admin-http.ts: always
// plain HTTP, loopback by default), and signs in with a one-time API token it stores itself (the
// server looks tokens up in the store on every request, no cache) and revokes at once. Nothing
// listening there (connection refused) means no server: the caller removes in the store.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { generateApiToken, tokenHash } from '@deskchat/admin';
import type { AdminStores } from '@deskchat/core';
import type { ListenOptions } from '../config.js';
import { CommandError } from './command-error.js';

export type ServerRemoval = { isRemoved: true; sessionsEnded?: number } | { isRemoved: false; why: string };

export interface RemoveOnServerOptions {
  /** How long the health probe may take (a hung server is an error, not an absent one). */
  probeTimeoutMs?: number;
  /** How long the removal may take: a large archive takes a while to delete. */
  removeTimeoutMs?: number;
  now?: () => number;
}

const ACTOR = 'cli';
const TOKEN_PREFIX = 'cli-user-remove-';
/**
 * A one-time token older than this was left by a CLI killed mid-removal (the removal's own
 * deadline is a minute): the next removal revokes it, so that it does not stay valid for good.
 */
const LEFT_TOKEN_AGE_MS = 10 * 60_000;

/** Where to reach the admin port: a wildcard bind answers on loopback. */
export function adminEndpoint(admin: ListenOptions): { host: string; port: number; shown: string } {
  const host = admin.host === '0.0.0.0' ? '127.0.0.1' : admin.host === '::' ? '::1' : admin.host;
  return { host, port: admin.port, shown: `${host.includes(':') ? `[${host}]` : host}:${admin.port}` };
}

/** Has the running server remove `username` (which exists); `isRemoved: false` when no server answers. */
export async function removeOnServer(admin: ListenOptions, stores: AdminStores, username: string, options: RemoveOnServerOptions = {}): Promise<ServerRemoval> {
  const now = options.now ?? Date.now;
  // Port 0 is a free port chosen at start: the CLI cannot know which.
  if (admin.port === 0) return { isRemoved: false, why: 'admin.port is 0 (a free port chosen at start), so a running server cannot be found' };
  const endpoint = adminEndpoint(admin);
  const notRunning = { isRemoved: false, why: `the server is not running (nothing answers on ${endpoint.shown}, the admin port)` } as const;

  // 1. Is it a DeskChat admin API? Probed before a token exists, so that no token is made for nothing.
  let probe;
  try {
    probe = await request(endpoint, 'GET', '/healthz', undefined, options.probeTimeoutMs ?? 5000);
  } catch (err) {
    if (isRefused(err)) return notRunning;
    throw new CommandError(`cannot reach the server's admin API on ${endpoint.shown}: ${(err as Error).message}`);
  }
  if (probe.status !== 200 || (probe.body as { status?: unknown } | undefined)?.status !== 'ok') {
    throw new CommandError(`something other than DeskChat's admin API answers on ${endpoint.shown} (GET /healthz: ${probe.status}); check admin.host and admin.port`);
  }

  // 2. A one-time token, named so that `admin token list` tells what it was if the CLI is killed
  // before revoking it (and so that the next removal finds it and revokes it).
  await revokeLeftTokens(stores, now());
  const name = `${TOKEN_PREFIX}${randomBytes(4).toString('hex')}`;
  const token = generateApiToken();
  if (!(await stores.apiTokens.createToken({ name, hash: tokenHash(token), createdAt: now(), createdBy: ACTOR }))) throw new CommandError(`a token named ${name} exists; try again`);
  await stores.audit.append({ at: now(), actor: ACTOR, action: 'token.create', target: name });
  let answer;
  try {
    answer = await request(endpoint, 'DELETE', `/api/v1/users/${encodeURIComponent(username)}`, token, options.removeTimeoutMs ?? 60_000);
  } catch (err) {
    // Refused: it stopped since the probe, and the request never reached it.
    if (isRefused(err)) return notRunning;
    throw new CommandError(`the server on ${endpoint.shown} did not complete the removal of ${username}: ${(err as Error).message}; the account may or may not be removed (see \`deskchat user list\`)`);
  } finally {
    await stores.apiTokens.revokeToken(name);
    await stores.audit.append({ at: now(), actor: ACTOR, action: 'token.revoke', target: name });
  }

  // 3. The answer (the admin API's failures are `{ "error", "reason" }`).
  const body = answer.body as { sessionsEnded?: unknown; reason?: unknown } | undefined;
  if (answer.status === 200 || answer.status === 204) return { isRemoved: true, ...(typeof body?.sessionsEnded === 'number' ? { sessionsEnded: body.sessionsEnded } : {}) };
  if (answer.status === 404) throw new CommandError(`no such user ${username}`);
  const reason = typeof body?.reason === 'string' ? body.reason : 'no reason given';
  if (answer.status === 401) throw new CommandError(`the server on ${endpoint.shown} refused the CLI's one-time token (${reason}): is it the server of this data directory?`);
  throw new CommandError(`the server on ${endpoint.shown} could not remove ${username}: ${answer.status} ${reason}`);
}

/** Revokes the one-time tokens of earlier removals that never revoked their own (audited like any revocation). */
async function revokeLeftTokens(stores: AdminStores, at: number): Promise<void> {
  for (const token of await stores.apiTokens.listTokens()) {
    if (token.createdBy !== ACTOR || !token.name.startsWith(TOKEN_PREFIX) || at - token.createdAt < LEFT_TOKEN_AGE_MS) continue;
    if (await stores.apiTokens.revokeToken(token.name)) await stores.audit.append({ at, actor: ACTOR, action: 'token.revoke', target: token.name });
  }
}

function isRefused(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
}

/** One request on its own connection (no keep-alive: the CLI exits right after). */
function request(endpoint: { host: string; port: number }, method: string, path: string, token: string | undefined, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const req = http.request({ host: endpoint.host, port: endpoint.port, method, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseJson(text) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end();
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
