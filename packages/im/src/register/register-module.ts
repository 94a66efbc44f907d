// XEP-0077 In-Band Registration (version 2.4), issue #13. Off by default (`register.enabled`); when
// an administrator enables it:
//   §3.1 before authentication: the stream feature <register xmlns='http://jabber.org/features/iq-register'/>
//     (XEP-0077 §9), a get answers the instructions with <username/> and <password/> and the same as
//     a data form (§4, FORM_TYPE jabber:iq:register; with `register.requireInvitation` also a
//     required field `invite`), a set creates the account with SCRAM keys through the server's
//     account code (the CLI's username rules): conflict for a taken name, not-acceptable for missing
//     data, a bad username or a password shorter than `register.minPasswordLength`.
//   Rate limit: at most `register.maxPerAddress` attempts per client address in any
//     `register.windowSeconds` (a sliding window: in this process on a single node, in Redis for a
//     cluster), resource-constraint with a text beyond.
//   Invitation: with `register.requireInvitation`, the form's `invite` token (made by an
//     administrator) is checked and used up; forbidden when missing, unknown, used or expired.
//   §3.2 <remove/> by an authenticated user cancels the account (all its data, every session).
// Always, whether or not registration is enabled (as Prosody does): §3.3 an authenticated user
// changes their own password with a set of <username/> and <password/>. Registration while disabled
// is service-unavailable (the stream stays open; the client may still sign in). A password travels
// in the clear in this protocol, so registration needs TLS or loopback, as SASL PLAIN does.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, StreamError, errorReply, iqPayload, iqResult } from '@deskchat/protocol';
import { OptionsError, checkBoolean, checkInteger, type Module, type Session } from '@deskchat/core';
import type { AccountAdministration } from '../adhoc/account-administration.js';
import { DATA_NS, dataForm, single } from '../adhoc/forms.js';
import type { InvitationRedeemer } from './invitations.js';
import { SlidingWindow } from './sliding-window.js';

export const REGISTER_NS = 'jabber:iq:register';
export const REGISTER_FEATURE_NS = 'http://jabber.org/features/iq-register';

export interface RegisterOptions {
  /** In-band registration of new accounts (off: only administrators create accounts). */
  enabled: boolean;
  /** A new account needs an invitation token made by an administrator. */
  requireInvitation: boolean;
  /** Registration attempts per client address in any `windowSeconds`. */
  maxPerAddress: number;
  windowSeconds: number;
  minPasswordLength: number;
  /** §3.2: a user may cancel their own account (only while registration is enabled). */
  allowCancel: boolean;
}

export const DEFAULT_REGISTER_OPTIONS: RegisterOptions = { enabled: false, requireInvitation: false, maxPerAddress: 5, windowSeconds: 3600, minPasswordLength: 8, allowCancel: true };

/** The `register` config section (conventions §8). */
export function parseRegisterOptions(raw: Record<string, unknown> | undefined, prefix = 'register'): RegisterOptions {
  const r = raw ?? {};
  const d = DEFAULT_REGISTER_OPTIONS;
  for (const key of Object.keys(r)) if (!(key in d)) throw new OptionsError(`${prefix}.${key}`, 'unknown option');
  const bool = (key: 'enabled' | 'requireInvitation' | 'allowCancel') => (r[key] === undefined ? d[key] : checkBoolean(`${prefix}.${key}`, r[key]));
  const int = (key: 'maxPerAddress' | 'windowSeconds' | 'minPasswordLength', min: number, max: number) => (r[key] === undefined ? d[key] : checkInteger(`${prefix}.${key}`, r[key], min, max));
  return { enabled: bool('enabled'), requireInvitation: bool('requireInvitation'), maxPerAddress: int('maxPerAddress', 1, 10_000), windowSeconds: int('windowSeconds', 1, 7 * 86_400), minPasswordLength: int('minPasswordLength', 1, 1023), allowCancel: bool('allowCancel') };
}

/** Counts registration attempts per address: 0 when this one is allowed (and counted), else the seconds to wait. */
export interface RegistrationLimiter {
  take(address: string): Promise<number>;
}

export interface RegisterModuleOptions {
  now?: () => number;
  /** The per-address window; default one in this process (SlidingWindow), a cluster passes one in Redis. */
  limiter?: (maxPerAddress: number, windowMs: number) => RegistrationLimiter;
}

/** The registration module on the server's account code; `invitations` is needed with `requireInvitation`. */
export function registerModule(accounts: AccountAdministration, invitations?: InvitationRedeemer, moduleOptions: RegisterModuleOptions = {}): Module<RegisterOptions> {
  const now = moduleOptions.now ?? Date.now;
  return {
    name: 'register',
    defaults: DEFAULT_REGISTER_OPTIONS,
    setup(api) {
      const o = api.options;
      if (o.enabled && o.requireInvitation && !invitations) throw new Error('register.requireInvitation needs an invitation store');
      const limiter = moduleOptions.limiter?.(o.maxPerAddress, o.windowSeconds * 1000) ?? localLimiter(new SlidingWindow(o.maxPerAddress, o.windowSeconds * 1000, now));

      const instructions = o.requireInvitation ? 'Choose a username and password, and give the invitation token an administrator sent you.' : 'Choose a username and password for use with this service.';
      const form = () =>
        dataForm(
          'form',
          REGISTER_NS,
          [
            { var: 'username', type: 'text-single', label: 'Username', isRequired: true },
            { var: 'password', type: 'text-private', label: 'Password', isRequired: true },
            ...(o.requireInvitation ? [{ var: 'invite', type: 'text-single' as const, label: 'Invitation token', isRequired: true }] : []),
          ],
          { title: `Register on ${api.domain}`, instructions },
        );

      /** username, password, invite: from the data form when there is one (§4), else the plain fields (§3.1). */
      const read = (query: Element) => {
        const x = query.getChild('x', DATA_NS);
        if (x) {
          if (x.attrs.type !== 'submit') throw new StanzaError('bad-request', `a filled-in form has type 'submit' (XEP-0004 §3.1)`);
          const values = new Map(x.getChildren('field').map((f) => [f.attrs.var ?? '', f.getChildren('value').map((v) => v.text())]));
          return { username: single(values, 'username'), password: single(values, 'password'), invite: single(values, 'invite') };
        }
        const text = (name: string) => query.getChildText(name) || undefined;
        return { username: text('username'), password: text('password'), invite: undefined };
      };

      const checkPassword = (password: string | undefined): string => {
        if (!password) throw new StanzaError('not-acceptable', 'a password is required (XEP-0077 §3.1)');
        if ([...password].length < o.minPasswordLength) throw new StanzaError('not-acceptable', `the password must have at least ${o.minPasswordLength} characters (register.minPasswordLength)`);
        return password;
      };

      /** §3.1: a new account. */
      const register = async (session: Session, query: Element): Promise<void> => {
        if (!session.isSecure && !session.isLoopback) throw new StanzaError('not-allowed', 'registration sends a password: use TLS (STARTTLS) first');
        const address = session.transport.remoteAddress;
        const wait = await limiter.take(address);
        if (wait > 0) throw new StanzaError('resource-constraint', `too many registrations from this address; try again in ${wait} s (register.maxPerAddress per register.windowSeconds)`);
        if (query.getChild('remove')) throw new StanzaError('not-allowed', 'sign in to cancel an account (XEP-0077 §3.2)');
        const { username, password, invite } = read(query);
        if (!username) throw new StanzaError('not-acceptable', 'a username is required (XEP-0077 §3.1)');
        checkPassword(password);
        let giveBack: (() => Promise<void>) | undefined;
        if (o.requireInvitation) {
          if (!invite) throw new StanzaError('forbidden', 'registration here needs an invitation: give its token in the form field invite (register.requireInvitation)');
          giveBack = await invitations!.consume(invite);
          if (!giveBack) throw new StanzaError('forbidden', 'this invitation is unknown, already used or expired');
        }
        try {
          const created = await accounts.add(username, password!);
          session.log.info({ username: created }, 'account registered in band (XEP-0077)');
        } catch (err) {
          await giveBack?.();
          throw err;
        }
      };

      api.hook('stream/pre-auth-iq', async ({ session, stanza }) => {
        const payload = iqPayload(stanza);
        if (!payload || payload.name !== 'query' || payload.attrs.xmlns !== REGISTER_NS) return false;
        const type = stanza.attrs.type;
        if (type === 'result' || type === 'error') return true; // never answered (RFC 6120 §8.2.3)
        try {
          if (!o.enabled) throw new StanzaError('service-unavailable', 'in-band registration is not enabled on this server (register.enabled)');
          if (type === 'get') {
            session.write(iqResult(stanza, xml('query', { xmlns: REGISTER_NS }, xml('instructions', {}, instructions), xml('username'), xml('password'), form())));
          } else if (type === 'set') {
            await register(session, payload);
            session.write(iqResult(stanza));
          } else {
            throw new StanzaError('bad-request', 'an IQ is a get or a set');
          }
        } catch (err) {
          if (!(err instanceof StanzaError)) throw err;
          session.write(errorReply(stanza, err));
        }
        return true;
      });

      if (o.enabled) api.streamFeature('pre-auth', () => xml('register', { xmlns: REGISTER_FEATURE_NS }));

      // After authentication: §3.2 (cancel) and §3.3 (password change) on the user's own account.
      api.iq(REGISTER_NS, 'query', {
        get: ({ from }) => xml('query', { xmlns: REGISTER_NS }, xml('registered'), xml('username', {}, from.local!), xml('password')),
        async set({ payload, from }) {
          if (!from.local || from.domain !== api.domain) throw new StanzaError('not-allowed');
          const username = from.local;
          if (payload.getChild('remove')) {
            if (!o.enabled || !o.allowCancel) throw new StanzaError('not-allowed', 'accounts are cancelled by an administrator here (register.enabled, register.allowCancel)');
            await accounts.remove(username);
            // After the result is written (the dispatcher sends it once this returns): every session ends.
            setImmediate(() => void accounts.endSessions(username, undefined, new StreamError('not-authorized', 'this account was cancelled (XEP-0077 §3.2)')).catch((err) => api.log.warn({ err, username }, 'ending the sessions of a cancelled account failed')));
            return undefined;
          }
          const { username: named, password } = read(payload);
          if (named !== undefined && named.toLowerCase() !== username) throw new StanzaError('not-allowed', 'a user changes only their own password (XEP-0077 §3.3)');
          await accounts.setPassword(username, checkPassword(password));
          return undefined;
        },
      });
    },
  };
}

function localLimiter(window: SlidingWindow): RegistrationLimiter {
  return { take: async (address) => (window.take(address) ? 0 : window.retryAfterSeconds(address)) };
}
