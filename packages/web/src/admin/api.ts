// The admin API from the page: same origin, the session cookie sent by the browser, the CSRF token
// (from sign-in or GET /api/v1/auth/session) on every state change. Errors come back as ApiError
// with the server's reason and, for validation failures, a reason per field.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(reason);
  }
}

let csrfToken: string | undefined;
let onUnauthorized: () => void = () => {};

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a request answers 401 (the session expired): the page shows the sign-in form again. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown, options: { contentType?: string; quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => ({}))) as { error?: string; reason?: string; fields?: Record<string, string> };
  if (!response.ok) {
    if (response.status === 401 && !options.quiet401) onUnauthorized();
    throw new ApiError(response.status, data.error ?? 'error', data.reason ?? response.statusText, data.fields);
  }
  return data as T;
}
