// The desktop-chat gadget's Primary and Secondary Chat Server URLs (Cisco Finesse "Desktop Chat
// Server Settings"): the BOSH URLs gadgets use for discovery. Validated here once, for the admin
// API and therefore the admin page (which shows these reasons next to its fields):
//   - absolute https URLs (plain http only with admin.allowInsecureChatUrls, for development);
//   - the BOSH path, /http-bind or /httpbinding (IM&P's), and nothing after it (no query, fragment
//     or credentials in the URL);
//   - a primary is required; the secondary is optional and must differ from the primary.

export interface ChatServers {
  primary: string | null;
  secondary: string | null;
}

export const CHAT_SERVERS_KEY = 'chat-servers';
export const BOSH_PATHS = ['/http-bind', '/httpbinding'];
const MAX_URL = 2048;

export type ChatServersResult = { value: ChatServers } | { problems: Record<string, string> };

export function parseChatServers(raw: unknown, options: { allowInsecure: boolean }): ChatServersResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problems: { body: 'must be a JSON object {"primary": URL, "secondary": URL}' } };
  const problems: Record<string, string> = {};
  for (const key of Object.keys(raw)) if (key !== 'primary' && key !== 'secondary') problems[key] = 'unknown field (only primary and secondary)';
  const input = raw as Record<string, unknown>;
  const primary = url('primary', input.primary, true, options, problems);
  const secondary = url('secondary', input.secondary, false, options, problems);
  if (primary && secondary && primary === secondary) problems.secondary = 'must differ from the primary chat server (it is used only when the primary is unreachable)';
  return Object.keys(problems).length ? { problems } : { value: { primary: primary ?? null, secondary: secondary ?? null } };
}

function url(field: string, value: unknown, isRequired: boolean, options: { allowInsecure: boolean }, problems: Record<string, string>): string | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    if (isRequired) problems[field] = 'required: the BOSH URL gadgets connect to first, e.g. https://chat1.example.com:5280/http-bind';
    return undefined;
  }
  if (typeof value !== 'string') return void (problems[field] = 'must be a URL string');
  const text = value.trim();
  if (text.length > MAX_URL) return void (problems[field] = `longer than ${MAX_URL} characters`);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return void (problems[field] = 'not an absolute URL (https://host:port/http-bind)');
  }
  if (parsed.protocol === 'http:' && !options.allowInsecure) return void (problems[field] = 'must use https (plain http only with admin.allowInsecureChatUrls, for development)');
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return void (problems[field] = 'must be an https URL');
  if (parsed.username || parsed.password) return void (problems[field] = 'must not contain a user name or password');
  if (!BOSH_PATHS.includes(parsed.pathname)) return void (problems[field] = `the path must be the BOSH path ${BOSH_PATHS.join(' or ')} (got '${parsed.pathname}')`);
  if (parsed.search || parsed.hash) return void (problems[field] = 'must not have a query or a fragment');
  return parsed.href;
}
