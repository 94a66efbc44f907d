// RFC 6120 §6.4: SASL negotiation on a stream — <auth/>, <challenge/>/<response/>, <abort/>,
// <success/>/<failure/> — driving whichever mechanism the client chose.
import xml, { type Element } from '@xmpp/xml';
import { NS, StreamError } from '@deskchat/protocol';
import type { Session } from '../session.js';
import { clip } from '../xml/chars.js';
import { SaslFailure, type SaslContext, type SaslExchange, type SaslFailureCondition } from '../sasl/types.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class SaslNegotiation {
  private exchange?: SaslExchange;
  private failures = 0;
  /** The username of the attempt in progress, once the mechanism has read it (for the throttle). */
  private claimed?: string;
  /** Set when the sign-in lockout refused the attempt (for the auth-failed event's metrics). */
  private throttled?: 'user' | 'address';

  constructor(private readonly session: Session) {}

  private context(): SaslContext {
    const { core } = this.session;
    const address = this.session.transport.remoteAddress;
    return {
      domain: core.domain,
      isSecure: this.session.isSecure,
      isLoopback: this.session.isLoopback,
      accounts: core.stores.accounts,
      admit: async (username) => {
        this.claimed = username;
        if (!(await core.signIns.isAllowed(address, username))) {
          this.throttled = 'user';
          throw new SaslFailure('temporary-auth-failure', 'too many failed sign-ins for this user from this address; try again later (limits.authFailuresPerUser)');
        }
      },
    };
  }

  mechanismsElement(): Element {
    const context = this.context();
    const names = this.session.core.mechanisms.filter((m) => m.isOffered(context)).map((m) => xml('mechanism', {}, m.name));
    return xml('mechanisms', { xmlns: NS.SASL }, ...names);
  }

  async handle(el: Element): Promise<void> {
    switch (el.name) {
      case 'auth':
        return this.auth(el);
      case 'response':
        if (!this.exchange) return this.fail('malformed-request', 'no authentication in progress');
        return this.step(this.exchange, el);
      case 'abort':
        this.exchange = undefined;
        return this.fail('aborted');
      default:
        throw new StreamError('unsupported-stanza-type', `unexpected SASL element <${clip(el.name)}/>`);
    }
  }

  private async auth(el: Element): Promise<void> {
    // A sign-in starts here: past the node's load limit it is refused before any credential is checked.
    this.session.core.loadLimit.admit(this.session.core.sessions.size);
    this.claimed = undefined;
    if (!(await this.session.core.signIns.isAddressAllowed(this.session.transport.remoteAddress))) {
      this.throttled = 'address';
      return this.fail('temporary-auth-failure', 'too many failed sign-ins from this address; try again later (limits.authFailuresPerAddress)', false);
    }
    const context = this.context();
    const mechanism = this.session.core.mechanisms.find((m) => m.name === el.attrs.mechanism && m.isOffered(context));
    if (!mechanism) {
      const isPlainOffTls = el.attrs.mechanism === 'PLAIN';
      return this.fail(isPlainOffTls ? 'encryption-required' : 'invalid-mechanism', isPlainOffTls ? 'PLAIN needs TLS or a loopback connection' : undefined, false);
    }
    this.exchange = mechanism.start(context);
    return this.step(this.exchange, el);
  }

  private async step(exchange: SaslExchange, el: Element): Promise<void> {
    const text = el.getText().trim();
    // RFC 6120 §6.4.2: '=' is an empty initial response; no text means none was sent.
    let data: Buffer | undefined;
    if (text === '=') data = Buffer.alloc(0);
    else if (text !== '') {
      if (!BASE64.test(text) || text.length % 4 !== 0) return this.fail('incorrect-encoding');
      data = Buffer.from(text, 'base64');
    } else if (el.name === 'response') data = Buffer.alloc(0);
    try {
      const result = await exchange.step(data);
      if (result.kind === 'challenge') {
        this.session.transport.send(xml('challenge', { xmlns: NS.SASL }, result.data.length ? result.data.toString('base64') : '='));
        return;
      }
      this.exchange = undefined;
      this.session.transport.send(xml('success', { xmlns: NS.SASL }, ...(result.data?.length ? [result.data.toString('base64')] : [])));
      // The parser restarts before anything is awaited: the client's new stream header may follow
      // <success/> at once, and must meet a fresh parser (RFC 6120 §6.4.6).
      const authenticated = this.session.onAuthenticated(result.username);
      await this.session.core.signIns.recordSuccess(this.session.transport.remoteAddress, result.username).catch((err: unknown) => this.session.log.warn({ err }, 'could not reset the failed sign-in count'));
      await authenticated;
    } catch (err) {
      if (!(err instanceof SaslFailure)) throw err;
      return this.fail(err.condition, err.text);
    }
  }

  /** Sends <failure/>; past the configured number of failed attempts the stream is closed (RFC 6120 §6.4.5). */
  private fail(condition: SaslFailureCondition, text?: string, countsAsAttempt = true): void {
    this.exchange = undefined;
    const children = [xml(condition)];
    if (text) children.push(xml('text', { 'xml:lang': 'en' }, text));
    this.session.transport.send(xml('failure', { xmlns: NS.SASL }, ...children));
    const throttled = this.throttled;
    this.throttled = undefined;
    void this.session.core.hooks.notify('session/auth-failed', { session: this.session, condition, ...(throttled ? { throttled } : {}) });
    if (condition === 'not-authorized') {
      this.session.log.info({}, 'authentication failed');
      void this.session.core.signIns.recordFailure(this.session.transport.remoteAddress, this.claimed ?? '').catch((err: unknown) => this.session.log.error({ err }, 'could not count a failed sign-in'));
    }
    if (countsAsAttempt && condition !== 'aborted' && ++this.failures >= this.session.core.options.limits.authAttemptsPerStream) {
      this.session.close(new StreamError('policy-violation', 'too many failed authentication attempts'));
    }
  }
}
