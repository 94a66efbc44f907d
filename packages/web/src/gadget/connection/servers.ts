// Where the gadget connects: the administrator's Primary and Secondary chat-server URLs (design.md
// §5, "Desktop Chat Server Settings"), read from the node's public settings endpoint when it has
// one, else from the embedding page's parameters (the gadget definition's UserPrefs arrive as
// `up_<name>`), else this page's own origin. DOM-free: `fetch` and the page URL are injected.

/** The public, unauthenticated endpoint on the HTTP port that returns `{primary, secondary}`. */
export const CHAT_SERVERS_PATH = '/api/v1/public/chat-servers';

export type TransportKind = 'bosh' | 'websocket';

export interface ChatServers {
  primary: string;
  secondary?: string;
  /** The XMPP domain users sign in to, when the page or the endpoint names it. */
  domain?: string;
  /** BOSH (the default, as the original) or WebSocket (`?transport=websocket`). */
  transport: TransportKind;
  /** Where the URLs came from (shown in the sign-in form's details and in logs). */
  source: 'endpoint' | 'page' | 'origin';
}

export interface PageParams {
  get(name: string): string | null;
}

export interface ResolveOptions {
  /** The page's URL (location.href). */
  pageUrl: string;
  fetch: (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
  /** Give up on the endpoint after this long (ms). */
  timeoutMs?: number;
}

/** A page parameter by name, or its OpenSocial UserPref form (`up_<name>`). */
export function pageParam(params: PageParams, name: string): string | undefined {
  return params.get(name) || params.get(`up_${name}`) || undefined;
}

/** An http(s) or ws(s) URL, absolute; anything else is refused rather than half-used. */
export function validServerUrl(value: unknown, base?: string): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    const url = new URL(value.trim(), base);
    return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The page's own origin with the BOSH path. */
export function ownOriginUrl(pageUrl: string): string {
  return `${new URL(pageUrl).origin}/http-bind`;
}

/**
 * The URL to open for a configured server: the configured (BOSH) URL itself, or for WebSocket the
 * same host's `/xmpp-websocket` with a ws(s) scheme (a ws(s) URL is kept as it is).
 */
export function serviceUrl(server: string, transport: TransportKind): string {
  const url = new URL(server);
  if (transport === 'bosh' || url.protocol === 'ws:' || url.protocol === 'wss:') return url.toString();
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}/xmpp-websocket`;
}

/**
 * The chat servers, in the order of the rule above. The endpoint is asked on this page's origin;
 * a missing endpoint (404), a network error, a timeout or a malformed answer fall through.
 */
export async function resolveChatServers(options: ResolveOptions): Promise<ChatServers> {
  const page = new URL(options.pageUrl);
  const params = page.searchParams;
  const pageDomain = pageParam(params, 'domain');
  const transport: TransportKind = pageParam(params, 'transport') === 'websocket' ? 'websocket' : 'bosh';
  const fromEndpoint = await readEndpoint(options, page.origin);
  if (fromEndpoint) return { ...fromEndpoint, ...(fromEndpoint.domain ? {} : pageDomain ? { domain: pageDomain } : {}), transport };
  const primary = validServerUrl(pageParam(params, 'primary'), page.href);
  const secondary = validServerUrl(pageParam(params, 'secondary'), page.href);
  const domain = pageDomain ? { domain: pageDomain } : {};
  if (primary) return { primary, ...(secondary ? { secondary } : {}), ...domain, transport, source: 'page' };
  return { primary: ownOriginUrl(page.href), ...domain, transport, source: 'origin' };
}

async function readEndpoint(options: ResolveOptions, origin: string): Promise<Omit<ChatServers, 'transport'> | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 3000);
  try {
    const response = await options.fetch(`${origin}${CHAT_SERVERS_PATH}`, { signal: controller.signal, headers: { Accept: 'application/json' } });
    if (!response.ok) return undefined;
    const body = (await response.json()) as Record<string, unknown> | null;
    const primary = validServerUrl(body?.primary);
    if (!primary) return undefined;
    const secondary = validServerUrl(body?.secondary);
    const domain = typeof body?.domain === 'string' && body.domain ? body.domain : undefined;
    return { primary, ...(secondary ? { secondary } : {}), ...(domain ? { domain } : {}), source: 'endpoint' };
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The order in which the gadget tries servers (issue #12, design.md §5): the cached home node,
 * its backup, the Primary, the Secondary; each once. Without discovery (the cluster issue) there
 * is no cached home and this is Primary → Secondary.
 */
export function failoverOrder(servers: { home?: string; backup?: string; primary: string; secondary?: string }): string[] {
  const order: string[] = [];
  for (const url of [servers.home, servers.backup, servers.primary, servers.secondary]) if (url && !order.includes(url)) order.push(url);
  return order;
}

/** The XMPP domain for a sign-in: the one in "user@domain", else the configured one, else the server's host name. */
export function signInJid(username: string, servers: ChatServers): { jid: string; domain: string } | undefined {
  const trimmed = username.trim();
  if (!trimmed || /[\s/]/.test(trimmed)) return undefined;
  const at = trimmed.lastIndexOf('@');
  if (at === 0 || at === trimmed.length - 1) return undefined;
  if (at > 0) return { jid: trimmed.toLowerCase(), domain: trimmed.slice(at + 1).toLowerCase() };
  const domain = (servers.domain ?? new URL(servers.primary).hostname).toLowerCase();
  return { jid: `${trimmed.toLowerCase()}@${domain}`, domain };
}
