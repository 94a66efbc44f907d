// Core options: type, defaults and a parser that names the offending key (conventions §8).
import type { XmlLimits } from './xml/types.js';
import { DEFAULT_XML_LIMITS } from './xml/types.js';
import { parseLoadLimits } from './load-limit.js';
import { DEFAULT_SM_OPTIONS, type SmOptions } from './stream/sm/sm-options.js';
import { parseSmOptions } from './stream/sm/parse-sm-options.js';

export interface CoreOptions {
  /** The XMPP domain this server serves (RFC 7622 domainpart). */
  domain: string;
  /** Require TLS before authentication where the transport can offer it (RFC 6120 §5.3.1). */
  requireTls: boolean;
  /** XML limits of every stream; before SASL success a stanza may be at most `maxStanzaBytesBeforeAuth`. */
  xml: XmlLimits & { maxStanzaBytesBeforeAuth: number };
  limits: {
    /** Bound resources one user may hold at once (RFC 6120 §7.6.2.1 resource-constraint past it). */
    sessionsPerUser: number;
    /** Failed SASL attempts allowed on one stream before it is closed (RFC 6120 §6.4.5 suggests 2..5). */
    authAttemptsPerStream: number;
    /** Streams of every transport (TCP, BOSH, WebSocket), authenticated or not, that the node holds at once. */
    maxSessions: number;
    /** Streams from one client address at once (a contact centre's NAT puts hundreds of agents behind one). */
    streamsPerAddress: number;
    /** Open connections (TCP, TLS, HTTP keep-alive) on the client ports at once; 0: the process's file limit less `descriptorReserve`. */
    maxConnections: number;
    /** Open connections from one client address at once on the client ports (a BOSH session uses two). */
    connectionsPerAddress: number;
    /** File descriptors kept free for the admin port, health checks, storage and logs when `maxConnections` is derived. */
    descriptorReserve: number;
    /** Streams from one client address that have not authenticated yet, at once. */
    unauthenticatedPerAddress: number;
    /** Seconds a stream may take from open to SASL success (RFC 6120 §4.9.3.4 connection-timeout after). */
    authTimeout: number;
    /** Seconds a stream may take from open to bound. */
    negotiationTimeout: number;
    /** Failed sign-ins for one username from one address before that pair is locked out for `authLockoutSeconds`. */
    authFailuresPerUser: number;
    /** Failed sign-ins from one address, whatever the username, before the whole address is locked out: a much higher ceiling. */
    authFailuresPerAddress: number;
    authLockoutSeconds: number;
    /** Bound sessions at which this node refuses new sign-ins (0: no limit); see load-limit.ts. */
    maxSessionsPerNode: number;
    /** Bound sessions at or under which a refusing node accepts sign-ins again. */
    restoreSessionsPerNode: number;
    /**
     * Bytes of output a stream may have waiting for a client that does not read (TCP and WebSocket
     * buffers, a BOSH session's queue); past it the stream ends with policy-violation and its
     * undelivered messages are routed again (other resources or offline storage).
     */
    maxOutputBytes: number;
  };
  /** RFC 6120 §7.7.2.2: a bind to a resource in use either replaces the old session or is refused. */
  resourceConflict: 'replace' | 'refuse';
  /** XEP-0198 stream management (stream/sm/). */
  sm: SmOptions;
  version: { name: string; version: string; hideOs: boolean };
}

export const DEFAULT_CORE_OPTIONS: CoreOptions = {
  domain: 'localhost',
  requireTls: true,
  xml: { ...DEFAULT_XML_LIMITS, maxStanzaBytesBeforeAuth: 16 * 1024 },
  limits: {
    sessionsPerUser: 10,
    authAttemptsPerStream: 3,
    maxSessions: 50_000,
    streamsPerAddress: 5_000,
    maxConnections: 0,
    connectionsPerAddress: 10_000,
    descriptorReserve: 512,
    unauthenticatedPerAddress: 500,
    authTimeout: 20,
    negotiationTimeout: 60,
    authFailuresPerUser: 10,
    authFailuresPerAddress: 1_000,
    authLockoutSeconds: 300,
    maxOutputBytes: 2 * 1024 * 1024,
    maxSessionsPerNode: 0,
    restoreSessionsPerNode: 0,
  },
  resourceConflict: 'replace',
  sm: DEFAULT_SM_OPTIONS,
  version: { name: 'DeskChat', version: '0.1.0', hideOs: true },
};

export class OptionsError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'OptionsError';
  }
}

export function checkInteger(key: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new OptionsError(key, `must be an integer ${min}..${max} (got ${JSON.stringify(value)})`);
  }
  return n;
}

export function checkBoolean(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new OptionsError(key, `must be true or false (got ${JSON.stringify(value)})`);
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function checkDomain(key: string, value: unknown): string {
  if (typeof value !== 'string' || !DOMAIN.test(value.toLowerCase())) {
    throw new OptionsError(key, `must be a DNS domain name such as chat.example.com (got ${JSON.stringify(value)})`);
  }
  return value.toLowerCase();
}

type Input = Record<string, unknown> | undefined;
const section = (key: string, value: unknown): Input => {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionsError(key, 'must be an object');
  return value as Record<string, unknown>;
};

/** Validates raw input (from a config file or the admin API) into CoreOptions; `prefix` is the key path of this section. */
export function parseCoreOptions(raw: Input, prefix = ''): CoreOptions {
  const d = DEFAULT_CORE_OPTIONS;
  const key = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const r = raw ?? {};
  const xmlIn = section(key('xml'), r.xml) ?? {};
  const limitsIn = section(key('limits'), r.limits) ?? {};
  const versionIn = section(key('version'), r.version) ?? {};
  const smIn = section(key('sm'), r.sm);
  const conflict = r.resourceConflict ?? d.resourceConflict;
  if (conflict !== 'replace' && conflict !== 'refuse') throw new OptionsError(key('resourceConflict'), "must be 'replace' or 'refuse'");
  return {
    domain: r.domain === undefined ? d.domain : checkDomain(key('domain'), r.domain),
    requireTls: r.requireTls === undefined ? d.requireTls : checkBoolean(key('requireTls'), r.requireTls),
    xml: {
      maxStanzaBytes: int(xmlIn.maxStanzaBytes, d.xml.maxStanzaBytes, key('xml.maxStanzaBytes'), 1024, 64 * 1024 * 1024),
      maxDepth: int(xmlIn.maxDepth, d.xml.maxDepth, key('xml.maxDepth'), 4, 1000),
      maxAttributes: int(xmlIn.maxAttributes, d.xml.maxAttributes, key('xml.maxAttributes'), 4, 10_000),
      maxStanzaBytesBeforeAuth: int(xmlIn.maxStanzaBytesBeforeAuth, d.xml.maxStanzaBytesBeforeAuth, key('xml.maxStanzaBytesBeforeAuth'), 1024, 64 * 1024 * 1024),
    },
    limits: {
      sessionsPerUser: int(limitsIn.sessionsPerUser, d.limits.sessionsPerUser, key('limits.sessionsPerUser'), 1, 1000),
      authAttemptsPerStream: int(limitsIn.authAttemptsPerStream, d.limits.authAttemptsPerStream, key('limits.authAttemptsPerStream'), 1, 10),
      maxSessions: int(limitsIn.maxSessions, d.limits.maxSessions, key('limits.maxSessions'), 1, 10_000_000),
      streamsPerAddress: int(limitsIn.streamsPerAddress, d.limits.streamsPerAddress, key('limits.streamsPerAddress'), 1, 10_000_000),
      maxConnections: int(limitsIn.maxConnections, d.limits.maxConnections, key('limits.maxConnections'), 0, 10_000_000),
      connectionsPerAddress: int(limitsIn.connectionsPerAddress, d.limits.connectionsPerAddress, key('limits.connectionsPerAddress'), 1, 10_000_000),
      descriptorReserve: int(limitsIn.descriptorReserve, d.limits.descriptorReserve, key('limits.descriptorReserve'), 0, 1_000_000),
      unauthenticatedPerAddress: int(limitsIn.unauthenticatedPerAddress, d.limits.unauthenticatedPerAddress, key('limits.unauthenticatedPerAddress'), 1, 10_000_000),
      authTimeout: int(limitsIn.authTimeout, d.limits.authTimeout, key('limits.authTimeout'), 1, 3600),
      negotiationTimeout: int(limitsIn.negotiationTimeout, d.limits.negotiationTimeout, key('limits.negotiationTimeout'), 1, 3600),
      authFailuresPerUser: int(limitsIn.authFailuresPerUser, d.limits.authFailuresPerUser, key('limits.authFailuresPerUser'), 1, 1_000_000),
      authFailuresPerAddress: int(limitsIn.authFailuresPerAddress, d.limits.authFailuresPerAddress, key('limits.authFailuresPerAddress'), 1, 10_000_000),
      authLockoutSeconds: int(limitsIn.authLockoutSeconds, d.limits.authLockoutSeconds, key('limits.authLockoutSeconds'), 1, 86_400),
      ...parseLoadLimits(limitsIn, key('limits')),
      maxOutputBytes: int(limitsIn.maxOutputBytes, d.limits.maxOutputBytes, key('limits.maxOutputBytes'), 16 * 1024, 1024 * 1024 * 1024),
    },
    resourceConflict: conflict,
    sm: parseSmOptions(smIn, key('sm')),
    version: {
      name: typeof versionIn.name === 'string' ? versionIn.name : d.version.name,
      version: typeof versionIn.version === 'string' ? versionIn.version : d.version.version,
      hideOs: versionIn.hideOs === undefined ? d.version.hideOs : checkBoolean(key('version.hideOs'), versionIn.hideOs),
    },
  };
}

function int(value: unknown, fallback: number, key: string, min: number, max: number): number {
  return value === undefined ? fallback : checkInteger(key, value, min, max);
}
