// The `files` config section: the policy's defaults (policy.ts) plus the service settings that
// only the config file sets (expiry, URLs, the proxy's port and limits). One parser, errors that
// name the key (conventions §8).
import { OptionsError, checkBoolean, checkInteger } from '@deskchat/core';
import { DEFAULT_FILE_POLICY, POLICY_KEYS, parseFilePolicy, type FilePolicy } from './policy/policy.js';

export interface ProxyOptions {
  /** Port of the XEP-0065 SOCKS5 proxy; 0 picks a free one (tests). */
  port: number;
  /** Address it listens on. */
  host: string;
  /** Host name or address clients connect to (the streamhost's `host`); default: `host` when it is a specific address, else the domain. */
  publicHost?: string;
  /** Bytes per second relayed for one stream, each way; 0 = no limit. */
  bytesPerSecond: number;
  /** Seconds a connection may wait for its partner and activation, or stay silent once active. */
  idleSeconds: number;
  /** Streams relayed at once (pairs); more are refused at the SOCKS5 handshake. */
  maxStreams: number;
}

export interface FilesOptions {
  /** The configured policy; the admin API's value, when set, replaces it at run time. */
  policy: FilePolicy;
  /** Hours a complete file is kept before it is removed (its URL stops working). */
  expiryHours: number;
  /** Seconds an XEP-0363 slot waits for its upload. */
  slotSeconds: number;
  /** Seconds an upload may send nothing before it is cut (slow-loris uploads). */
  uploadIdleSeconds: number;
  /** Seconds an upload may take in all; the HTTP port's request timeout is raised to it. */
  uploadSeconds: number;
  /** Only the sender and the addressed recipients may download (HTTP Basic with their XMPP password). */
  downloadRequiresAuth: boolean;
  /** Base URL of upload and download links as clients reach the HTTP port; default from http.* and the bound port. */
  publicUrl?: string;
  proxy: ProxyOptions;
}

export const DEFAULT_FILES_OPTIONS: FilesOptions = {
  policy: DEFAULT_FILE_POLICY,
  expiryHours: 72,
  slotSeconds: 300,
  uploadIdleSeconds: 30,
  uploadSeconds: 120,
  downloadRequiresAuth: false,
  proxy: { port: 7777, host: '::', bytesPerSecond: 10 * 1024 * 1024, idleSeconds: 60, maxStreams: 200 },
};

const SERVICE_KEYS = ['expiryHours', 'slotSeconds', 'uploadIdleSeconds', 'uploadSeconds', 'downloadRequiresAuth', 'publicUrl', 'proxyPort', 'proxyHost', 'proxyPublicHost', 'proxyBytesPerSecond', 'proxyIdleSeconds', 'proxyMaxStreams'];

export function parseFilesOptions(raw: unknown, prefix = 'files'): FilesOptions {
  if (raw === undefined || raw === null) return DEFAULT_FILES_OPTIONS;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new OptionsError(prefix, 'must be a mapping');
  const input = raw as Record<string, unknown>;
  const policyRaw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((POLICY_KEYS as string[]).includes(key)) policyRaw[key] = value;
    else if (!SERVICE_KEYS.includes(key)) throw new OptionsError(`${prefix}.${key}`, `unknown setting (known: ${[...POLICY_KEYS, ...SERVICE_KEYS].join(', ')})`);
  }
  const at = (key: string) => `${prefix}.${key}`;
  const int = (key: string, fallback: number, min: number, max: number) => (input[key] === undefined ? fallback : checkInteger(at(key), input[key], min, max));
  const d = DEFAULT_FILES_OPTIONS;
  return {
    policy: parseFilePolicy(policyRaw, prefix),
    expiryHours: int('expiryHours', d.expiryHours, 1, 24 * 365),
    slotSeconds: int('slotSeconds', d.slotSeconds, 10, 86_400),
    uploadIdleSeconds: int('uploadIdleSeconds', d.uploadIdleSeconds, 1, 3600),
    uploadSeconds: int('uploadSeconds', d.uploadSeconds, 10, 86_400),
    downloadRequiresAuth: input.downloadRequiresAuth === undefined ? d.downloadRequiresAuth : checkBoolean(at('downloadRequiresAuth'), input.downloadRequiresAuth),
    ...(input.publicUrl === undefined ? {} : { publicUrl: parsePublicUrl(at('publicUrl'), input.publicUrl) }),
    proxy: {
      port: int('proxyPort', d.proxy.port, 0, 65535),
      host: input.proxyHost === undefined ? d.proxy.host : hostName(at('proxyHost'), input.proxyHost),
      ...(input.proxyPublicHost === undefined ? {} : { publicHost: hostName(at('proxyPublicHost'), input.proxyPublicHost) }),
      bytesPerSecond: int('proxyBytesPerSecond', d.proxy.bytesPerSecond, 0, 2 ** 40),
      idleSeconds: int('proxyIdleSeconds', d.proxy.idleSeconds, 1, 3600),
      maxStreams: int('proxyMaxStreams', d.proxy.maxStreams, 1, 100_000),
    },
  };
}

function parsePublicUrl(key: string, value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new OptionsError(key, `must be an http(s) URL such as https://chat.example.com:5280 (got ${JSON.stringify(value)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionsError(key, 'must be an http or https URL');
  if (url.search || url.hash || url.username || url.password) throw new OptionsError(key, 'must not carry a query, fragment or credentials');
  return url.toString().replace(/\/+$/, '');
}

function hostName(key: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-zA-Z.:_-]+$/.test(value)) throw new OptionsError(key, 'must be an IP address or host name');
  return value;
}
