// Reads a client's `<body/>` (XEP-0124 §6, §7.1, §9–§15; XEP-0206 §3, §5) into a typed request.
// Throws BoshError('bad-request') for anything malformed; session rules are checked elsewhere.
import type { Element } from '@xmpp/xml';
import { BOSH_VERSION, HTTPBIND_NS, MAX_RID, XBOSH_NS } from './constants.js';
import { BoshError } from './conditions.js';

export interface BoshRequest {
  rid: number;
  /** Absent on the session creation request only (§7.1). */
  sid?: string;
  /** §15 key sequencing. */
  key?: string;
  newkey?: string;
  /** §9.2 the highest rid whose response the client has (with all lower ones). */
  ack?: number;
  /** §10 requested pause, in seconds. */
  pause?: number;
  /** §13 `type='terminate'`. */
  isTerminate: boolean;
  /** XEP-0206 §5 `xmpp:restart='true'`. */
  isRestart: boolean;
  /** Child elements, detached from the wrapper. */
  payloads: Element[];
  /** The raw attributes (session creation reads `to`, `wait`, `hold`, `ver`, … from here). */
  attrs: Record<string, string>;
  /** XEP-0206 §3 `xmpp:version`, whatever prefix the client bound to urn:xmpp:xbosh. */
  xmppVersion?: string;
}

export function readBoshRequest(body: Element): BoshRequest {
  if (body.name !== 'body' || body.attrs.xmlns !== HTTPBIND_NS) {
    throw new BoshError('bad-request', `the document must be a <body/> in ${HTTPBIND_NS} (XEP-0124 §6)`);
  }
  const attrs = body.attrs;
  const payloads: Element[] = [];
  for (const child of body.children) {
    if (typeof child === 'string') {
      if (child.trim() !== '') throw new BoshError('bad-request', 'the <body/> wrapper must not contain character data (XEP-0124 §6)');
      continue;
    }
    child.parent = null; // the stanza lives on; the wrapper need not
    payloads.push(child);
  }
  const rid = integer(attrs.rid, 'rid', MAX_RID);
  if (rid === undefined || rid < 1) throw new BoshError('bad-request', "every request needs a positive integer 'rid' (XEP-0124 §14.1)");
  const xbosh = prefixOf(attrs, XBOSH_NS);
  return {
    rid,
    sid: attrs.sid,
    key: attrs.key,
    newkey: attrs.newkey,
    ack: integer(attrs.ack, 'ack', MAX_RID),
    pause: integer(attrs.pause, 'pause', 86_400),
    isTerminate: attrs.type === 'terminate',
    isRestart: xbosh !== undefined && attrs[`${xbosh}:restart`] === 'true',
    payloads,
    attrs,
    xmppVersion: xbosh === undefined ? undefined : attrs[`${xbosh}:version`],
  };
}

/** XEP-0124 §7.1 `ver`: major.minor, each a separate integer. */
export function readVersion(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,4})\.(\d{1,4})$/.exec(value);
  if (!match) throw new BoshError('bad-request', "'ver' must be <major>.<minor> (XEP-0124 §7.1)");
  return [Number(match[1]), Number(match[2])];
}

/** §7.2: the lower of the client's version and ours. */
export function negotiateVersion(client: [number, number]): string {
  const [major, minor] = client[0] < BOSH_VERSION[0] || (client[0] === BOSH_VERSION[0] && client[1] < BOSH_VERSION[1]) ? client : BOSH_VERSION;
  return `${major}.${minor}`;
}

/** Reads a non-negative integer attribute, or undefined when absent. */
export function integer(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!(n <= max)) throw new BoshError('bad-request', `'${name}' must be an integer 0..${max}`);
  return n;
}

function prefixOf(attrs: Record<string, string>, ns: string): string | undefined {
  for (const name in attrs) if (name.startsWith('xmlns:') && attrs[name] === ns) return name.slice(6);
  return undefined;
}

/** The stream header core's Session expects, from a session creation or restart body (XEP-0206 §3, §5). */
export function streamHeader(request: BoshRequest, version: string | undefined): Record<string, string> {
  const attrs: Record<string, string> = {};
  const { to, from } = request.attrs;
  const lang = request.attrs['xml:lang'];
  if (to !== undefined) attrs.to = to;
  if (from !== undefined) attrs.from = from;
  if (lang !== undefined) attrs['xml:lang'] = lang;
  if (version !== undefined) attrs.version = version;
  return attrs;
}
