// IQ dispatch (RFC 6120 §8.2.3, §10.3). Handlers return a payload (or nothing) or throw a
// StanzaError; only the dispatcher sends. It alone applies the rules: no handler →
// service-unavailable, unexpected throw → logged and internal-server-error, and never a reply to
// a result or an error.
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { StanzaError, iqPayload, iqResult, parseJid, withAttrs } from '@deskchat/protocol';
import type { Core } from './core.js';
import type { StanzaEvent } from './hook-events.js';
import { clip } from './xml/chars.js';

/** `host`: addressed to the server's domain; `account`: to a user's bare JID (or no 'to', the sender's own). */
export type IqScope = 'host' | 'account';

export interface IqContext extends StanzaEvent {
  /** The one child element of the IQ. */
  payload: Element;
  /** The IQ is about the sender's own account (no 'to', or 'to' equal to their bare JID). */
  isOwnAccount: boolean;
}

export type IqHandler = (context: IqContext) => Element | undefined | void | Promise<Element | undefined | void>;

export interface IqHandlers {
  get?: IqHandler;
  set?: IqHandler;
}

const key = (scope: IqScope, ns: string, name: string) => `${scope} ${ns} ${name}`;

export class IqDispatcher {
  private readonly handlers = new Map<string, IqHandlers>();
  private readonly pending = new Map<string, { from: string; resolve: (iq: Element | undefined) => void }>();

  constructor(private readonly core: Core) {
    core.hooks.on('iq/host', (event) => this.dispatch(event, ['host']), -100);
    // An IQ to one's own account falls back to the host's handler (e.g. a ping without 'to').
    core.hooks.on('iq/bare', (event) => this.dispatch(event, isOwn(event) ? ['account', 'host'] : ['account']), -100);
  }

  /** Registers handlers for the payload `<name xmlns=ns/>`; returns a function that removes them. */
  register(scope: IqScope, ns: string, name: string, handlers: IqHandlers): () => void {
    const k = key(scope, ns, name);
    if (this.handlers.has(k)) throw new Error(`an IQ handler for ${k} is already registered`);
    this.handlers.set(k, handlers);
    return () => this.handlers.delete(k);
  }

  /**
   * Sends a server-initiated IQ get/set to a full JID, on any node, and resolves with its result
   * or error, or undefined when nobody holds the JID or nothing came back in time. The id names
   * this node (`<node>~<random>`), so that a reply reaching another node (where the client is)
   * is forwarded here over the bus; a reply counts only from the JID that was asked (RFC 6120
   * §8.2.3: the reply comes from the entity the request was addressed to).
   */
  async request(iq: Element, timeoutMs = 30_000): Promise<Element | undefined> {
    const to = parseJid(iq.attrs.to);
    if (!to?.local || !to.resource) throw new Error('server IQ requests go to a full JID');
    const id = `${this.core.node}~${randomBytes(9).toString('base64url')}`;
    const request = withAttrs(iq, { id, from: iq.attrs.from ?? this.core.domain });
    const reply = new Promise<Element | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, timeoutMs);
      timer.unref?.();
      this.pending.set(id, { from: to.toString(), resolve: (el) => { clearTimeout(timer); this.pending.delete(id); resolve(el); } });
    });
    if (!(await this.core.router.deliver(to, request))) this.pending.get(id)?.resolve(undefined);
    return reply;
  }

  /** The session of a full JID ended: requests waiting for its reply resolve now, with undefined, instead of at their timeout. */
  abandon(fullJid: string): void {
    for (const waiting of [...this.pending.values()]) if (waiting.from === fullJid) waiting.resolve(undefined);
  }

  /** A result or error addressed to the server: the reply to one of our requests, here or on the node its id names. */
  async onReply(stanza: Element): Promise<void> {
    const id = stanza.attrs.id ?? '';
    const waiting = this.pending.get(id);
    if (waiting) {
      if (waiting.from === stanza.attrs.from) waiting.resolve(stanza);
      return;
    }
    const node = id.includes('~') ? id.slice(0, id.lastIndexOf('~')) : undefined;
    if (node && node !== this.core.node) await this.core.bus.publish(node, { type: 'iq-reply', stanza: stanza.toString() });
  }

  private async dispatch(event: StanzaEvent, scopes: IqScope[]): Promise<boolean> {
    const { stanza } = event;
    const type = stanza.attrs.type;
    if (type === 'result' || type === 'error') {
      if (scopes.includes('host')) await this.onReply(stanza);
      return true; // never answered (RFC 6120 §8.2.3)
    }
    const payload = iqPayload(stanza);
    if (!payload) throw new StanzaError('bad-request', 'an iq get or set has exactly one payload (RFC 6120 §8.2.3)');
    const handler = this.find(scopes, payload, type as 'get' | 'set');
    if (!handler) throw new StanzaError('service-unavailable');
    let result: Element | undefined | void;
    try {
      result = await handler({ ...event, payload, isOwnAccount: isOwn(event) });
    } catch (err) {
      if (err instanceof StanzaError) throw err;
      this.core.log.error({ err, ns: payload.attrs.xmlns, name: payload.name }, 'IQ handler failed');
      throw new StanzaError('internal-server-error');
    }
    const reply = iqResult(stanza, result ?? undefined);
    if (!reply.attrs.from) reply.attrs.from = event.to.toString();
    await this.core.router.deliver(event.from, reply);
    return true;
  }

  private find(scopes: IqScope[], payload: Element, type: 'get' | 'set'): IqHandler | undefined {
    for (const scope of scopes) {
      const handlers = this.handlers.get(key(scope, payload.attrs.xmlns ?? '', payload.name));
      if (handlers) return handlers[type] ?? (() => { throw new StanzaError('bad-request', `${clip(payload.name)} does not support type '${type}'`); });
    }
    return undefined;
  }
}

function isOwn(event: StanzaEvent): boolean {
  return event.stanza.attrs.to === undefined || event.to.equals(event.from.bare());
}
