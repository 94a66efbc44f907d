// One XMPP connection through Strophe.js: BOSH (XEP-0124/0206, the default, as the original) or
// WebSocket (RFC 7395). Sign-in tries each server in `failoverOrder` and moves on only when a
// server cannot be reached at all (the Secondary "only if the Primary is unreachable"); a wrong
// password or a refusal from a reachable server ends the attempt. A BOSH session is kept in
// sessionStorage so that a reload of the tab attaches to it again (`resumeLink`).
//
// The discovery (cluster issue) and failover (failover issue) parts slot in here: discovery turns
// the configured servers into the candidate list (cached home first) before `connectLink`;
// failover replaces `link.service` with the backup and resends the pending request.
import { Strophe } from 'strophe.js';
import { resendUnprocessed, SESSION_KEY, type SavedBoshSession } from './bosh-resume.js';
import type { TransportKind } from './servers.js';

export type SignInFailure = 'auth' | 'unreachable' | 'refused';

export class SignInError extends Error {
  constructor(
    readonly kind: SignInFailure,
    /** The server that failed (the certificate link points at it). */
    readonly service: string,
    readonly condition?: string,
  ) {
    super(`${kind}${condition ? ` (${condition})` : ''} at ${service}`);
  }
}

export type Connection = InstanceType<typeof Strophe.Connection>;

export interface Link {
  readonly conn: Connection;
  readonly service: string;
  readonly transport: TransportKind;
  /** The full JID the server bound. */
  readonly jid: string;
  /** Whether this link attached to a session kept across a reload (no new sign-in happened). */
  readonly isResumed: boolean;
  /** The stream features after authentication (for discovery); none on a resumed session. */
  readonly features: Element | undefined;
  /** Called once when the connection ends for any reason other than `close()`. */
  onLost(listener: (condition: string | undefined) => void): void;
  close(): void;
}

/** How long a server may stay silent before sign-in moves on to the next one (ms). */
const REACH_TIMEOUT_MS = 10_000;

Strophe.setLogLevel(Strophe.LogLevel.FATAL);

function newConnection(service: string): Connection {
  // keepalive: Strophe writes the BOSH sid/rid to sessionStorage, read back by resumeLink().
  const conn = new Strophe.Connection(service, { keepalive: service.startsWith('http') });
  // Strophe holds what it queues (stanzas, the stream restart after SASL) until its next 100 ms
  // idle tick; sign-in alone is six such round trips. Flush at the end of the current task
  // instead, after a send and after handling a response: what is queued together still shares
  // one request, and nothing waits for a timer.
  let isScheduled = false;
  const flushSoon = () => {
    if (isScheduled) return;
    isScheduled = true;
    queueMicrotask(() => {
      isScheduled = false;
      if (conn.connected && conn._data.length > 0) conn.flush();
    });
  };
  const send = conn.send.bind(conn);
  conn.send = (stanza) => {
    send(stanza);
    flushSoon();
  };
  const receive = conn._dataRecv.bind(conn);
  conn._dataRecv = (req, raw) => {
    receive(req, raw);
    flushSoon();
  };
  return conn;
}

/**
 * Signs in on the first reachable server of `candidates`. Rejects with a SignInError: 'auth' for
 * a wrong username or password, 'refused' when a reachable server ended the attempt (the
 * condition says why), 'unreachable' when none answered.
 */
export async function connectLink(candidates: string[], jid: string, password: string, transport: TransportKind): Promise<Link> {
  let last: SignInError | undefined;
  for (const service of candidates) {
    try {
      return await connectOnce(service, jid, password, transport);
    } catch (err) {
      if (!(err instanceof SignInError) || err.kind !== 'unreachable') throw err;
      last = err;
    }
  }
  throw last ?? new SignInError('unreachable', candidates[0] ?? '');
}

function connectOnce(service: string, jid: string, password: string, transport: TransportKind): Promise<Link> {
  sessionStorage.removeItem(SESSION_KEY);
  const conn = newConnection(service);
  let heard = false;
  conn.xmlInput = () => {
    heard = true;
  };
  return new Promise<Link>((resolve, reject) => {
    let settled = false;
    const fail = (kind: SignInFailure, condition?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.connect_callback = null;
      conn._doDisconnect();
      reject(new SignInError(kind, service, condition));
    };
    const timer = setTimeout(() => fail(heard ? 'refused' : 'unreachable', heard ? 'timeout' : undefined), REACH_TIMEOUT_MS);
    // XHR status 0 before any answer: nothing listens there (or the browser refused its
    // certificate, or CORS): try the next server instead of Strophe's slow retries.
    conn.addProtocolErrorHandler('HTTP', 0, () => {
      if (!heard) fail('unreachable');
    });
    conn.connect(jid, password, (status: number, condition?: string | null) => {
      if (settled) return;
      const S = Strophe.Status;
      if (status === S.CONNECTED) {
        settled = true;
        clearTimeout(timer);
        resolve(makeLink(conn, service, transport, false));
      } else if (status === S.AUTHFAIL) fail('auth', condition ?? undefined);
      else if (status === S.CONNFAIL || status === S.ERROR || status === S.DISCONNECTED) fail(heard ? 'refused' : 'unreachable', condition ?? undefined);
    });
  });
}

/**
 * Attaches to the BOSH session this tab had before a reload, or returns undefined when there is
 * none. `recovered` holds the stanzas of responses the server sent while the page was away, asked
 * for again by rid (XEP-0124 §14.3): the caller handles them after installing its handlers.
 */
export function resumeLink(): { link: Link; recovered: Promise<Element[]> } | undefined {
  const saved = readJson<SavedBoshSession>(SESSION_KEY);
  const cached = readJson<{ jid: string; sid: string; rid: number }>('strophe-bosh-session');
  if (!saved || !cached || cached.sid !== saved.sid) return undefined;
  const conn = newConnection(saved.service);
  // 1. Ask again for the rids whose answers never reached the old page (held or lost), before
  //    Strophe's first request pushes them out; 2. attach; 3. the link's own callback replaces
  //    attach's.
  const recovered = resendUnprocessed(saved.service, cached.sid, saved.processedRid, cached.rid);
  conn.attach(cached.jid, cached.sid, cached.rid, () => undefined);
  return { link: makeLink(conn, saved.service, 'bosh', true), recovered };
}

function readJson<T>(key: string): T | undefined {
  try {
    return (JSON.parse(sessionStorage.getItem(key) ?? 'null') as T | null) ?? undefined;
  } catch {
    return undefined;
  }
}

function makeLink(conn: Connection, service: string, transport: TransportKind, isResumed: boolean): Link {
  const lost = new Set<(condition: string | undefined) => void>();
  let isClosing = false;
  const proto = conn._proto as unknown as { sid?: string };
  const save = (processedRid: number) => {
    if (transport !== 'bosh' || !proto.sid || isClosing) return;
    const record: SavedBoshSession = { service, sid: proto.sid, processedRid };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(record));
  };
  // Strophe calls this after each answered request, before handling its stanzas: everything up to
  // rid − 1 has been received, and is processed before the page can unload.
  conn.nextValidRid = (rid: number) => save(rid - 1);
  conn.connect_callback = (status: number, condition?: string | null) => {
    const S = Strophe.Status;
    if ((status === S.DISCONNECTED || status === S.CONNFAIL) && !isClosing) {
      isClosing = true;
      sessionStorage.removeItem(SESSION_KEY);
      for (const listener of lost) listener(condition ?? undefined);
    }
  };
  return {
    conn,
    service,
    transport,
    jid: conn.jid,
    isResumed,
    features: conn.features ?? undefined,
    onLost: (listener) => lost.add(listener),
    close: () => {
      isClosing = true;
      sessionStorage.removeItem(SESSION_KEY);
      sessionStorage.removeItem('strophe-bosh-session');
      conn.disconnect('signed out');
    },
  };
}
