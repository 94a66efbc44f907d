// One XMPP connection through Strophe.js: BOSH (XEP-0124/0206, the default, as the original) or
// WebSocket (RFC 7395). Sign-in tries each server in order and moves on only when a server cannot
// be reached at all (the Secondary "only if the Primary is unreachable"); a wrong password or a
// refusal from a reachable server ends the attempt. A BOSH session is kept in sessionStorage so
// that a reload of the tab attaches to it again (`resumeLink`).
//
// Cluster (docs/cluster.md, docs/gadget.md "Discovery and failover"):
//   1. Discovery: every session opens with from='user@domain'; when the features name a home that
//      is another node, the session is ended and the sign-in starts again on the home, before
//      authenticating (a home already found unreachable is not tried again: the node asked goes on).
//   2. Redirects: a BOSH terminate 'see-other-uri' with <uri/> (after authentication, or for a
//      moved request) is followed: sign-in goes there; a request is sent there again, same body.
//   3. Failover: a BOSH request that fails at the HTTP level (status 0: refused, reset, no answer)
//      goes again, the same body (sid, rid), to the user's other node (home ↔ backup): Strophe
//      resends it to `conn.service`, which the protocol error handler has just changed. A node
//      that answers nothing at all (stopped, cut off) is given up by a watchdog that aborts its
//      requests, which then fail the same way.
import { Strophe } from 'strophe.js';
import { resendUnprocessed, SESSION_KEY, type SavedBoshSession } from './bosh-resume.js';
import { CLUSTER_NS, nodeUrl, type ClusterNodes, type NodeUrls } from './discovery.js';
import type { TransportKind } from './servers.js';

export type SignInFailure = 'auth' | 'unreachable' | 'refused' | 'redirect';

export class SignInError extends Error {
  constructor(
    readonly kind: SignInFailure,
    /** The server that failed (the certificate link points at it). */
    readonly service: string,
    readonly condition?: string,
    /** 'redirect': where to go instead, best first (the home, then its backup). */
    readonly redirect: string[] = [],
  ) {
    super(`${kind}${condition ? ` (${condition})` : ''} at ${service}`);
  }
}

export type Connection = InstanceType<typeof Strophe.Connection>;

export interface Link {
  readonly conn: Connection;
  /** The URL the session lives on now (it changes when the session moves to the backup). */
  readonly service: string;
  readonly transport: TransportKind;
  /** The full JID the server bound. */
  readonly jid: string;
  /** Whether this link attached to a session kept across a reload (no new sign-in happened). */
  readonly isResumed: boolean;
  /** The home and backup the server named before authentication; undefined when it named none. */
  readonly nodes: ClusterNodes | undefined;
  /** Called once when the connection ends for any reason other than `close()`. */
  onLost(listener: (condition: string | undefined) => void): void;
  /** Told when the session starts moving to another node (true) and when it is answered there (false). */
  onMoving(listener: (isMoving: boolean) => void): void;
  /**
   * Hands stanzas received outside Strophe (those recovered after a reload) to its handler chain,
   * like any response: one of them may answer an IQ the page is waiting for.
   */
  deliver(stanzas: Element[]): void;
  close(): void;
}

/** How long a server may stay silent before sign-in moves on to the next one (ms). */
const REACH_TIMEOUT_MS = 10_000;
/** Redirects followed in one sign-in (or for one request): more means a loop. */
const MAX_REDIRECTS = 4;
const HTTPBIND = 'http://jabber.org/protocol/httpbind';

Strophe.setLogLevel(Strophe.LogLevel.FATAL);

/**
 * A node cut off rather than dead (a stopped process, a partition) answers nothing and fails
 * nothing, so Strophe would wait 1.1 × `wait` and post to the same node again, up to five times.
 * A request is given up when a later one has waited this long with the earlier still unanswered —
 * with hold = 1 a node answers the held request as soon as the next arrives (XEP-0124 §10) — or
 * when it has been open this long past `wait`, by which a node answers even an idle poll (s).
 */
const UNANSWERED_AFTER_NEXT_S = 5;
const PAST_WAIT_S = 10;

/** Strophe internals the gadget reaches into (BOSH transport). */
interface BoshRequest {
  xmlData: Element;
  origFunc: unknown;
  rid: number;
  xhr: XMLHttpRequest;
  /** Seconds since it was posted (0 before). */
  age(): number;
}
interface BoshProto {
  sid: string | null;
  rid: number;
  wait: number;
  _requests: BoshRequest[];
  _buildBody(): { attrs(a: Record<string, string>): unknown };
  _buildStream?(): { attrs(a: Record<string, string>): unknown };
  _reqToData(req: unknown): Element | undefined;
  _throttledRequestHandler(): void;
}

/** Called with each BOSH response before Strophe handles it; true: it was taken care of. */
const interceptors = new WeakMap<Connection, (req: BoshRequest) => boolean>();

function newConnection(service: string, from?: string): Connection {
  // keepalive: Strophe writes the BOSH sid/rid to sessionStorage, read back by resumeLink().
  const conn = new Strophe.Connection(service, { keepalive: service.startsWith('http') });
  // Discovery: the session creation body (BOSH) or <open/> (WebSocket) names the user.
  const proto = conn._proto as unknown as BoshProto;
  if (from) {
    const build = (name: '_buildBody' | '_buildStream') => {
      const original = proto[name]?.bind(proto);
      if (!original) return;
      proto[name] = () => {
        const el = original();
        if (!conn.authenticated && (name === '_buildStream' || proto.sid === null)) el.attrs({ from });
        return el;
      };
    };
    build(service.startsWith('http') ? '_buildBody' : '_buildStream');
  }
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
    if (interceptors.get(conn)?.(req as unknown as BoshRequest)) return;
    receive(req, raw);
    flushSoon();
  };
  return conn;
}

/** <home/> and <backup/> from a body or stream features (anywhere below `root`); undefined when absent. */
export function readClusterNodes(root: Element): ClusterNodes | undefined {
  const read = (name: string): NodeUrls | undefined => {
    const el = root.getElementsByTagNameNS(CLUSTER_NS, name)[0];
    if (!el) return undefined;
    const url = (attr: string) => {
      const value = el.getAttribute(attr);
      try {
        return value ? new URL(value).toString() : undefined;
      } catch {
        return undefined;
      }
    };
    const [node, bosh, websocket] = [el.getAttribute('node') ?? undefined, url('bosh'), url('websocket')];
    return { ...(node ? { node } : {}), ...(bosh ? { bosh } : {}), ...(websocket ? { websocket } : {}) };
  };
  const home = read('home');
  if (!home) return undefined;
  const backup = read('backup');
  return backup ? { home, backup } : { home };
}

/** The <uri/> of a BOSH terminate with condition see-other-uri (XEP-0124 §17.2), if `body` is one. */
function seeOtherUri(body: Element | null | undefined): string | undefined {
  if (!body || body.getAttribute('type') !== 'terminate' || body.getAttribute('condition') !== 'see-other-uri') return undefined;
  const uri = body.getElementsByTagName('uri')[0]?.textContent?.trim();
  try {
    return uri ? new URL(uri).toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs in on the first reachable server of `candidates`, following discovery and redirects.
 * Rejects with a SignInError: 'auth' for a wrong username or password, 'refused' when a reachable
 * server ended the attempt (the condition says why), 'unreachable' when none answered.
 */
export async function connectLink(candidates: string[], jid: string, password: string, transport: TransportKind): Promise<Link> {
  let last: SignInError | undefined;
  const queue = [...candidates];
  const tried = new Set<string>();
  let redirects = 0;
  while (queue.length > 0) {
    const service = queue.shift()!;
    if (tried.has(service)) continue;
    tried.add(service);
    try {
      return await connectOnce(service, jid, password, transport, (home) => !tried.has(home));
    } catch (err) {
      if (err instanceof SignInError && err.kind === 'redirect' && redirects++ < MAX_REDIRECTS) {
        // The home first, then its backup, then whatever was left; a see-other-uri target may be
        // a server tried before (it serves the user now).
        for (const url of err.redirect) if (err.condition === 'see-other-uri') tried.delete(url);
        queue.unshift(...err.redirect);
        continue;
      }
      if (!(err instanceof SignInError) || err.kind !== 'unreachable') throw err;
      last = err;
    }
  }
  throw last ?? new SignInError('unreachable', candidates[0] ?? '');
}

function connectOnce(service: string, jid: string, password: string, transport: TransportKind, mayGoHome: (home: string) => boolean): Promise<Link> {
  sessionStorage.removeItem(SESSION_KEY);
  const conn = newConnection(service, jid);
  const proto = conn._proto as unknown as BoshProto;
  let heard = false;
  let nodes: ClusterNodes | undefined;
  let redirect: string | undefined;
  conn.xmlInput = (el: Element) => {
    heard = true;
    if (!conn.authenticated) nodes ??= readClusterNodes(el);
    redirect ??= seeOtherUri(el);
  };
  return new Promise<Link>((resolve, reject) => {
    let settled = false;
    const fail = (kind: SignInFailure, condition?: string, to: string[] = []) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.connect_callback = null;
      conn._doDisconnect();
      reject(new SignInError(kind, service, condition, to));
    };
    const timer = setTimeout(() => fail(heard ? 'refused' : 'unreachable', heard ? 'timeout' : undefined), REACH_TIMEOUT_MS);
    // XHR status 0 before any answer: nothing listens there (or the browser refused its
    // certificate, or CORS): try the next server instead of Strophe's slow retries.
    conn.addProtocolErrorHandler('HTTP', 0, () => {
      if (!heard) fail('unreachable');
    });
    // Discovery, before authenticating: a home elsewhere means starting again there.
    const authenticate = conn.authenticate.bind(conn);
    conn.authenticate = (matched) => {
      const home = nodeUrl(nodes?.home, transport);
      if (!home || home === service || !mayGoHome(home)) return authenticate(matched);
      if (transport === 'bosh' && proto.sid) {
        // End the unauthenticated session politely (XEP-0124 §13); nobody waits for the answer.
        const body = `<body xmlns='${HTTPBIND}' rid='${proto.rid}' sid='${proto.sid}' type='terminate'/>`;
        void fetch(service, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body }).catch(() => undefined);
      }
      const backup = nodeUrl(nodes?.backup, transport);
      fail('redirect', 'home', [home, ...(backup && backup !== home ? [backup] : [])]);
    };
    conn.connect(jid, password, (status: number, condition?: string | null) => {
      if (settled) return;
      const S = Strophe.Status;
      if (status === S.CONNECTED) {
        settled = true;
        clearTimeout(timer);
        resolve(makeLink(conn, transport, false, nodes));
      } else if (status === S.AUTHFAIL) fail('auth', condition ?? undefined);
      else if (status === S.CONNFAIL || status === S.ERROR || status === S.DISCONNECTED) {
        if (condition === 'see-other-uri' && redirect) fail('redirect', 'see-other-uri', [redirect]);
        else fail(heard ? 'refused' : 'unreachable', condition ?? undefined);
      }
    });
  });
}

/**
 * Attaches to the BOSH session this tab had before a reload, or returns undefined when there is
 * none. `recovered` holds the stanzas of responses the server sent while the page was away, asked
 * for again by rid (XEP-0124 §14.3): the caller handles them after installing its handlers.
 * `nodesOf` gives the user's cached home and backup (where to move if the node is lost).
 */
export function resumeLink(nodesOf: (bareJid: string) => ClusterNodes | undefined = () => undefined): { link: Link; recovered: Promise<Element[]> } | undefined {
  const saved = readJson<SavedBoshSession>(SESSION_KEY);
  const cached = readJson<{ jid: string; sid: string; rid: number }>('strophe-bosh-session');
  if (!saved || !cached || cached.sid !== saved.sid) return undefined;
  const conn = newConnection(saved.service);
  // 1. Ask again for the rids whose answers never reached the old page (held or lost), before
  //    Strophe's first request pushes them out; 2. attach; 3. the link's own callback replaces
  //    attach's.
  const recovered = resendUnprocessed(saved.service, cached.sid, saved.processedRid, cached.rid);
  conn.attach(cached.jid, cached.sid, cached.rid, () => undefined);
  return { link: makeLink(conn, 'bosh', true, nodesOf(cached.jid.split('/')[0]!)), recovered };
}

function readJson<T>(key: string): T | undefined {
  try {
    return (JSON.parse(sessionStorage.getItem(key) ?? 'null') as T | null) ?? undefined;
  } catch {
    return undefined;
  }
}

function makeLink(conn: Connection, transport: TransportKind, isResumed: boolean, nodes: ClusterNodes | undefined): Link {
  const lost = new Set<(condition: string | undefined) => void>();
  const moving = new Set<(isMoving: boolean) => void>();
  let isClosing = false;
  let isMoving = false;
  const proto = conn._proto as unknown as BoshProto;
  const save = (processedRid: number) => {
    if (transport !== 'bosh' || !proto.sid || isClosing) return;
    const record: SavedBoshSession = { service: conn.service, sid: proto.sid, processedRid };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(record));
  };
  const setMoving = (value: boolean) => {
    if (isMoving === value) return;
    isMoving = value;
    for (const listener of moving) listener(value);
  };
  let stopWatchdog = () => {};
  /** Nodes tried since the last answer: a move goes to each at most once. */
  const tried = new Set<string>();
  let redirects = 0;
  // Strophe calls this after each answered request, before handling its stanzas: everything up to
  // rid − 1 has been received, and is processed before the page can unload.
  conn.nextValidRid = (rid: number) => {
    tried.clear();
    redirects = 0;
    setMoving(false);
    save(rid - 1);
  };
  if (transport === 'bosh') {
    // Failover: Strophe resends a request that failed with status 0 to `conn.service` right after
    // this handler; pointing it at the other node moves the session (same sid, same rid).
    conn.addProtocolErrorHandler('HTTP', 0, () => {
      if (isClosing) return;
      tried.add(conn.service);
      const next = [nodes?.home, nodes?.backup].map((n) => nodeUrl(n, 'bosh')).find((url): url is string => !!url && !tried.has(url));
      if (!next) return;
      conn.service = next;
      setMoving(true);
      // A request the new node holds is answered when the next one arrives (hold = 1): send an
      // empty one once the resent request is there, so that the move ends without waiting `wait`.
      setTimeout(() => {
        if (isMoving && conn.connected && proto._requests.length < 2) {
          (conn._data as unknown as (Element | null)[]).push(null); // Strophe's empty poll
          conn.flush();
        }
      }, 200);
    });
    // A node that answers nothing: its open requests are aborted, which Strophe takes as status 0,
    // and the handler above moves the session as for a node that refuses connections.
    const watchdog = setInterval(() => {
      if (isClosing || !conn.connected) return;
      const open = proto._requests.filter((r) => r.xhr.readyState > 0 && r.xhr.readyState < 4 && r.age() > 0);
      const isHung = open.some((r) => r.age() > proto.wait + PAST_WAIT_S) || (open.length > 1 && open[1]!.age() > UNANSWERED_AFTER_NEXT_S);
      if (isHung) for (const r of open) r.xhr.abort();
    }, 1000);
    stopWatchdog = () => clearInterval(watchdog);
    // A node that must not continue the session names the one that does: the same body goes there.
    interceptors.set(conn, (req) => {
      const uri = seeOtherUri(proto._reqToData(req));
      if (!uri || !conn.authenticated || isClosing || redirects++ >= MAX_REDIRECTS) return false;
      conn.service = uri;
      setMoving(true);
      const Request = (req as unknown as { constructor: new (xml: Element, func: unknown, rid: number, sends: number) => BoshRequest }).constructor;
      proto._requests.unshift(new Request(req.xmlData, req.origFunc, req.rid, 0));
      proto._throttledRequestHandler();
      return true;
    });
  }
  conn.connect_callback = (status: number, condition?: string | null) => {
    const S = Strophe.Status;
    if (status === S.DISCONNECTED || status === S.CONNFAIL) stopWatchdog();
    if ((status === S.DISCONNECTED || status === S.CONNFAIL) && !isClosing) {
      isClosing = true;
      setMoving(false);
      sessionStorage.removeItem(SESSION_KEY);
      for (const listener of lost) listener(condition ?? undefined);
    }
  };
  return {
    conn,
    get service() {
      return conn.service;
    },
    transport,
    jid: conn.jid,
    isResumed,
    nodes,
    onLost: (listener) => lost.add(listener),
    onMoving: (listener) => moving.add(listener),
    deliver: (stanzas) => {
      if (stanzas.length === 0 || !conn.connected) return;
      const body = document.implementation.createDocument(HTTPBIND, 'body', null).documentElement;
      for (const stanza of stanzas) body.appendChild(stanza);
      // Strophe reads a BOSH response through its request's getResponse(); this one is already read.
      conn._dataRecv({ getResponse: () => body } as unknown as Parameters<Connection['_dataRecv']>[0]);
    },
    close: () => {
      isClosing = true;
      stopWatchdog();
      sessionStorage.removeItem(SESSION_KEY);
      sessionStorage.removeItem('strophe-bosh-session');
      conn.disconnect('signed out');
    },
  };
}
