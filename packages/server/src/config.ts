// Server configuration: one YAML/JSON file plus DESKCHAT_* environment overrides, validated at
// start-up with messages that name the key (conventions §8). Only this package reads files and env.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { OptionsError, checkBoolean, checkInteger, parseCoreOptions, type CoreOptions } from '@deskchat/core';
import { parseC2sOptions, type C2sOptions } from '@deskchat/c2s';
import { parseBoshOptions, parseHttpOptions, type BoshOptions, type HttpOptions } from '@deskchat/bosh';
import { parseMucOptions, type MucOptions } from '@deskchat/muc';
import { parseFilesOptions, type FilesOptions } from '@deskchat/files';
import { parseAdhocOptions, parseAdmins, parseRegisterOptions, type AdhocOptions, type RegisterOptions } from '@deskchat/im';
import { MODULE_SECTIONS, parseModuleConfig, type ModuleConfig } from './module-config.js';
import { CLUSTER_ENV_KEYS, parseClusterConfig, parseClusterStoreConfig, type ClusterConfig, type ClusterStoreConfig } from './cluster-config.js';

export interface ListenOptions {
  host: string;
  port: number;
}

export interface ServerConfig {
  core: CoreOptions;
  dataDir: string;
  c2s: C2sOptions & ListenOptions & { directTlsPort: number };
  http: ListenOptions & HttpOptions;
  bosh: BoshOptions;
  admin: ListenOptions & AdminConfig;
  tls?: { certFile: string; keyFile: string };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
  /** IM module options and the optional LDAP password check. */
  im: ModuleConfig;
  /** XEP-0045 group chat on <subdomain>.<domain> (the muc package). */
  muc: MucOptions;
  /** Cluster mode (Redis, node pairs); undefined for a single node on SQLite. */
  cluster?: ClusterConfig;
  /** File transfer: the policy's configured defaults, HTTP upload, the SOCKS5 proxy (docs/files.md). */
  files: FilesOptions;
  /** XMPP administrators (bare JIDs of the domain): they run the XEP-0133 commands over XEP-0050 (docs/administration.md). */
  admins: string[];
  /** XEP-0050 command sessions: timeout and bounds. */
  adhoc: Omit<AdhocOptions, 'admins'>;
  /** XEP-0077 in-band registration: off by default; rate limit, invitations (docs/administration.md). */
  register: RegisterOptions;
}

/**
 * What the administration commands (`deskchat user|admin|cluster …`) run on: the same file and
 * environment, validated the same way, except that in a cluster they need only its store (they are
 * not a node: DESKCHAT_REDIS_URL alone is enough). A ServerConfig is one.
 */
export type ToolConfig = Omit<ServerConfig, 'cluster'> & { cluster?: ClusterStoreConfig };

export interface AdminConfig {
  /** The bootstrap bearer token (DESKCHAT_ADMIN_TOKEN); generated into <dataDir>/admin-token when absent. */
  token?: string;
  /** Accept http:// chat server URLs (development only). */
  allowInsecureChatUrls: boolean;
  /** Serve /metrics without credentials (for a Prometheus on a trusted network). */
  metricsPublic: boolean;
  /** Admin page sessions end after this many idle minutes. */
  sessionIdleMinutes: number;
  /** With no admin account yet, create `admin` with a generated password printed once at start. */
  createFirstAdmin: boolean;
}

/** Environment variables and the config keys they override. */
export const ENV_KEYS: Record<string, string> = {
  DESKCHAT_DOMAIN: 'domain',
  DESKCHAT_DATA_DIR: 'dataDir',
  DESKCHAT_C2S_PORT: 'c2s.port',
  DESKCHAT_C2S_TLS_PORT: 'c2s.directTlsPort',
  DESKCHAT_C2S_HOST: 'c2s.host',
  DESKCHAT_HTTP_PORT: 'http.port',
  DESKCHAT_HTTP_HOST: 'http.host',
  DESKCHAT_CORS_ORIGINS: 'http.corsOrigins',
  DESKCHAT_ADMIN_PORT: 'admin.port',
  DESKCHAT_ADMIN_HOST: 'admin.host',
  DESKCHAT_ADMIN_TOKEN: 'admin.token',
  DESKCHAT_ADMIN_METRICS_PUBLIC: 'admin.metricsPublic',
  DESKCHAT_TLS_CERT: 'tls.cert',
  DESKCHAT_TLS_KEY: 'tls.key',
  DESKCHAT_REQUIRE_TLS: 'requireTls',
  DESKCHAT_LOG_LEVEL: 'log.level',
  DESKCHAT_MUC_ENABLED: 'muc.enabled',
  DESKCHAT_FILES_PUBLIC_URL: 'files.publicUrl',
  DESKCHAT_FILES_PROXY_PORT: 'files.proxyPort',
  DESKCHAT_ADMINS: 'admins',
  DESKCHAT_REGISTER_ENABLED: 'register.enabled',
  DESKCHAT_REGISTER_REQUIRE_INVITATION: 'register.requireInvitation',
  ...CLUSTER_ENV_KEYS,
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const DEV_CERT = 'certs/localhost.crt';
const DEV_KEY = 'certs/localhost.key';

type LoadOptions = { file?: string; env?: NodeJS.ProcessEnv; cwd?: string };

/** Reads the config file (if any) and the environment, and validates everything. Throws OptionsError. */
export function loadConfig(options: LoadOptions = {}): ServerConfig {
  return parseConfig(readRaw(options), options.cwd ?? process.cwd());
}

/** loadConfig for the administration commands (ToolConfig). */
export function loadToolConfig(options: LoadOptions = {}): ToolConfig {
  return parseToolConfig(readRaw(options), options.cwd ?? process.cwd());
}

function readRaw(options: LoadOptions): Record<string, unknown> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? env.DESKCHAT_CONFIG ?? firstExisting(cwd, ['deskchat.yaml', 'deskchat.yml', 'deskchat.json']);
  const raw = file ? readFile(path.resolve(cwd, file)) : {};
  for (const [variable, key] of Object.entries(ENV_KEYS)) {
    if (env[variable] !== undefined && env[variable] !== '') setPath(raw, key, env[variable]);
  }
  return raw;
}

export function parseConfig(raw: Record<string, unknown>, cwd: string): ServerConfig {
  return parseWith(raw, cwd, (cluster, c2sPort) => parseClusterConfig(cluster, c2sPort));
}

export function parseToolConfig(raw: Record<string, unknown>, cwd: string): ToolConfig {
  return parseWith(raw, cwd, (cluster) => parseClusterStoreConfig(cluster));
}

function parseWith<C>(raw: Record<string, unknown>, cwd: string, parseCluster: (raw: Record<string, unknown> | undefined, c2sPort: number) => C | undefined): Omit<ServerConfig, 'cluster'> & { cluster?: C } {
  const known = new Set<string>(['domain', 'dataDir', 'requireTls', 'xml', 'limits', 'resourceConflict', 'sm', 'version', 'c2s', 'http', 'bosh', 'admin', 'tls', 'log', 'cluster', 'muc', 'files', 'admins', 'adhoc', 'register', ...MODULE_SECTIONS]);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new OptionsError(key, 'unknown setting');
  const { c2s = {}, http = {}, bosh, admin = {}, tls, log = {}, dataDir, cluster, muc, roster, offline, messaging, vcard, search, auth, privateXml, blocking, mam, pep, pubsub, files, admins, adhoc, register, ...coreRaw } = raw as Record<string, Record<string, unknown> | undefined>;
  const c2sIn = object('c2s', c2s);
  const httpIn = object('http', http);
  const adminIn = object('admin', admin);
  const logIn = object('log', log);
  const level = logIn.level ?? 'info';
  if (!LOG_LEVELS.includes(level as (typeof LOG_LEVELS)[number])) throw new OptionsError('log.level', `must be one of ${LOG_LEVELS.join(', ')}`);
  const token = adminIn.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) throw new OptionsError('admin.token', 'must be a string of at least 16 characters');
  const { keepaliveInterval, idleTimeout } = c2sIn;
  const c2sPort = port('c2s.port', c2sIn.port, 5222);
  const clusterConfig = parseCluster(cluster === undefined ? undefined : object('cluster', cluster), c2sPort);
  const core = parseCoreOptions(coreRaw as Record<string, unknown>);
  return {
    ...(clusterConfig ? { cluster: clusterConfig } : {}),
    core,
    dataDir: path.resolve(cwd, typeof dataDir === 'string' && dataDir ? dataDir : 'data'),
    c2s: {
      ...parseC2sOptions({ keepaliveInterval, idleTimeout }),
      host: host('c2s.host', c2sIn.host, '::'),
      port: c2sPort,
      directTlsPort: port('c2s.directTlsPort', c2sIn.directTlsPort, 5223),
    },
    http: {
      host: host('http.host', httpIn.host, '::'),
      port: port('http.port', httpIn.port, 5280),
      ...parseHttpOptions({ corsOrigins: httpIn.corsOrigins, trustProxy: httpIn.trustProxy }),
    },
    bosh: parseBoshOptions(object('bosh', bosh)),
    admin: {
      host: host('admin.host', adminIn.host, '127.0.0.1'),
      port: port('admin.port', adminIn.port, 5281),
      token: token as string | undefined,
      allowInsecureChatUrls: adminIn.allowInsecureChatUrls === undefined ? false : checkBoolean('admin.allowInsecureChatUrls', adminIn.allowInsecureChatUrls),
      metricsPublic: adminIn.metricsPublic === undefined ? false : checkBoolean('admin.metricsPublic', adminIn.metricsPublic),
      sessionIdleMinutes: adminIn.sessionIdleMinutes === undefined ? 30 : checkInteger('admin.sessionIdleMinutes', adminIn.sessionIdleMinutes, 1, 24 * 60),
      createFirstAdmin: adminIn.createFirstAdmin === undefined ? true : checkBoolean('admin.createFirstAdmin', adminIn.createFirstAdmin),
    },
    tls: parseTls(tls, cwd),
    log: { level: level as ServerConfig['log']['level'] },
    im: parseModuleConfig({ roster, offline, messaging, vcard, search, auth, privateXml, blocking, mam, pep, pubsub: pubsub === undefined ? undefined : object('pubsub', pubsub) }, core.domain),
    muc: parseMucOptions(muc, 'muc'),
    files: parseFilesOptions(files, 'files'),
    admins: parseAdmins(admins, core.domain, 'admins'),
    adhoc: parseAdhocOptions(object('adhoc', adhoc), 'adhoc'),
    register: parseRegisterOptions(object('register', register), 'register'),
  };
}

function parseTls(raw: unknown, cwd: string): ServerConfig['tls'] {
  if (raw === undefined) {
    // Development certificates made by scripts/make-dev-certs.sh are picked up when present.
    const cert = path.resolve(cwd, DEV_CERT);
    const key = path.resolve(cwd, DEV_KEY);
    return fs.existsSync(cert) && fs.existsSync(key) ? { certFile: cert, keyFile: key } : undefined;
  }
  const tls = object('tls', raw);
  if (tls.cert === undefined && tls.key === undefined) return undefined;
  if (typeof tls.cert !== 'string' || !tls.cert) throw new OptionsError('tls.cert', 'a key needs a certificate file too');
  if (typeof tls.key !== 'string' || !tls.key) throw new OptionsError('tls.key', 'a certificate needs a key file too');
  const certFile = path.resolve(cwd, tls.cert);
  const keyFile = path.resolve(cwd, tls.key);
  if (!fs.existsSync(certFile)) throw new OptionsError('tls.cert', `no such file: ${certFile}`);
  if (!fs.existsSync(keyFile)) throw new OptionsError('tls.key', `no such file: ${keyFile}`);
  return { certFile, keyFile };
}

function object(key: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new OptionsError(key, 'must be a mapping');
  return value as Record<string, unknown>;
}

function port(key: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : checkInteger(key, value, 0, 65535);
}

function host(key: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[0-9a-zA-Z.:_-]+$/.test(value)) throw new OptionsError(key, 'must be an IP address or host name');
  return value;
}

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new OptionsError('config', `cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text); // YAML is a superset of JSON: one parser for both
  } catch (err) {
    throw new OptionsError('config', `${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  return object('config', parsed);
}

function firstExisting(cwd: string, names: string[]): string | undefined {
  return names.find((n) => fs.existsSync(path.join(cwd, n)));
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

