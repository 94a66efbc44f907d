// XEP-0313 Message Archive Management (urn:xmpp:mam:2, version 1.1) for users, with XEP-0059 RSM
// paging, XEP-0359 stanza ids (version 0.7) and XEP-0441 preferences; issue #13. See docs/archive.md.
//
// Archiving happens once per message, where it is routed (the sender's node), before delivery
// rules run (priority 500: below XEP-0191 blocking, which consumes what it refuses, and above
// forking, carbons and offline storage): so IM&P forking, carbons and the offline store all carry
// the same copy, with one `<stanza-id by='recipient@domain'/>`, and nothing is archived twice.
//   1. Only chat messages, and normal messages with a body, are archived: not errors, groupchat or
//      headlines, not standalone chat states (no body), not carbons, not with a XEP-0334
//      <no-store/> or <no-permanent-store/> hint.
//   2. A client's `<stanza-id/>` claiming to be by one of our accounts (or the server) is removed
//      (XEP-0359 §3.1: only the archiving entity may state its ids).
//   3. The message goes into the sender's archive (a local account) and into the recipient's, each
//      subject to its owner's preferences; a message to oneself once; one to an account that does
//      not exist nowhere (it bounces).
//   4. The copy routed on carries the recipient's stanza id. A message that comes back through the
//      rules (a full JID gone → its bare JID; a stanza redelivered after its session vanished) is
//      not archived again: the router re-dispatches the same element (remembered here), and a
//      redelivered one carries our own stanza id and has no sending session.
// Queries (IQ to one's own bare JID): the form (get), the query (set) → result messages, then the
// IQ result with <fin/>; preferences get/set. Every node reads the same store (Redis in a cluster),
// so a message archived on one node is found from any other.
import type { Element } from '@xmpp/xml';
import {
  MAM_NS,
  StanzaError,
  mamFin,
  mamPrefsElement,
  mamQueryForm,
  mamResult,
  parseMamPrefs,
  parseMamQuery,
  stanzaId,
  withAttrs,
  type JID,
} from '@deskchat/protocol';
import { StoreUnavailableError, flatString, parseDocument, queryArchive, type ArchivePrefs, type Module, type NewArchivedMessage, type StanzaEvent } from '@deskchat/core';
import { hasBody, hasHint, isCarbon, messageType } from '../messaging/message-rules.js';
import { PrefsCache } from './prefs-cache.js';
import { DEFAULT_ARCHIVE_OPTIONS, type ArchiveOptions } from './options.js';

export const ARCHIVE_PRIORITY = 500;

/** XEP-0313 §5.1.1 with XEP-0334: whether a routed message belongs in archives. */
export function isArchivable(stanza: Element): boolean {
  const type = messageType(stanza);
  if (type !== 'chat' && type !== 'normal') return false;
  if (!hasBody(stanza) || isCarbon(stanza)) return false;
  return !hasHint(stanza, 'no-store') && !hasHint(stanza, 'no-permanent-store');
}

/** XEP-0359 §3.1: a copy without the stanza ids that `isOurs` says only we may state. */
export function withoutClaimedIds(stanza: Element, isOurs: (by: string) => boolean): Element {
  const claimed = stanza.children.some((c) => typeof c !== 'string' && c.name === 'stanza-id' && c.attrs.xmlns === MAM_NS.STANZA_ID && isOurs(c.attrs.by ?? ''));
  if (!claimed) return stanza;
  const copy = withAttrs(stanza, {});
  copy.children = stanza.children.filter((c) => typeof c === 'string' || !(c.name === 'stanza-id' && c.attrs.xmlns === MAM_NS.STANZA_ID && isOurs(c.attrs.by ?? '')));
  return copy;
}

/** `f(a, b)` at once when neither is a promise, else once both have settled: no promise on the usual path. */
function whenBoth<A, B>(a: A | Promise<A>, b: B | Promise<B>, f: (a: A, b: B) => void | Promise<void>): void | Promise<void> {
  return a instanceof Promise || b instanceof Promise ? Promise.all([a, b]).then(([x, y]) => f(x, y)) : f(a as A, b as B);
}

/** One message on its way into the archives (archiveModule's steps). */
interface ArchivedCopy {
  event: StanzaEvent;
  original: Element;
  /** The stanza as archived. */
  text: string;
  at: number;
  /** Local parts of a sender and a recipient of this domain. */
  sender: string | undefined;
  recipient: string | undefined;
}

export const archiveModule: Module<ArchiveOptions> = {
  name: 'mam',
  defaults: DEFAULT_ARCHIVE_OPTIONS,
  setup(api) {
    const { options } = api;
    const archives = api.stores.archive;
    const now = () => options.now?.() ?? Date.now();
    const domain = api.domain;
    /** Elements archived on their way: the router may dispatch the same one again (full → bare). */
    const archived = new WeakSet<Element>();

    api.hook('disco/account-info', ({ from, to }) => (from.bare().equals(to) ? { identities: [], features: [MAM_NS.MAM, MAM_NS.EXTENDED] } : undefined));
    api.discoFeature(MAM_NS.STANZA_ID);

    const isOurs = (by: string) => {
      const at = by.indexOf('@');
      const host = at < 0 ? by : by.slice(at + 1);
      return host.toLowerCase() === domain && !by.includes('/');
    };
    const limits = () => ({
      maxMessages: options.maxMessagesPerUser,
      maxBytes: options.maxBytesPerUser,
      ...(options.retentionDays > 0 ? { expireBefore: now() - options.retentionDays * 86_400_000 } : {}),
    });

    const prefsCache = new PrefsCache((owner) => archives.getPrefs(owner), options.prefsCacheSeconds * 1000);
    /** XEP-0441 §3: whether the owner's preferences archive a message with `peer` (a bare JID); at once when this node holds them and they need no roster. */
    const wants = (owner: string, peer: string): boolean | Promise<boolean> => {
      const known = prefsCache.known(owner);
      return known ? wantsBy(known.prefs, owner, peer) : prefsCache.get(owner).then((prefs) => wantsBy(prefs, owner, peer));
    };
    const wantsBy = (stored: ArchivePrefs | undefined, owner: string, peer: string): boolean | Promise<boolean> => {
      const prefs = stored ?? { default: options.defaultPreference, always: [], never: [] };
      if (prefs.never.includes(peer)) return false;
      if (prefs.always.includes(peer)) return true;
      if (prefs.default === 'roster') return api.stores.roster.getItem(owner, peer).then((item) => item !== undefined);
      return prefs.default === 'always';
    };
    /**
     * Archives one copy and gives its id. Where the store can, the message goes on before the
     * commit (it is then delivered even if the write fails, as when the store is unavailable; a
     * crash in between loses its archived copy, not the message) unless writes are queueing up.
     * The id at once when nothing is to be waited for: a message's archiving then allocates no
     * promise on the node's busiest path.
     */
    const store = (owner: string, message: NewArchivedMessage): string | Promise<string> => {
      if (!archives.appendInBackground) return archives.append(owner, message, limits());
      const { id, stored } = archives.appendInBackground(owner, message, limits(), (err) => api.log.warn({ err, owner }, 'a message was delivered but not archived: the write failed'));
      return stored ? stored.then(() => id) : id;
    };
    const withKeys = (jid: JID) => (jid.resource ? [jid.bare().toString(), jid.toString()] : [jid.toString()]);

    const archive = (event: StanzaEvent): false | Promise<false> => {
      const { to, origin } = event;
      if (archived.has(event.stanza) || !isArchivable(event.stanza)) return false;
      // A redelivered message (no sending session) that already carries our id for the recipient.
      if (!origin && event.stanza.getChildren('stanza-id', MAM_NS.STANZA_ID).some((c) => c.attrs.by === to.bare().toString())) return false;
      const stanza = withoutClaimedIds(event.stanza, isOurs);
      archived.add(stanza);
      event.stanza = stanza;
      // The cluster store is down for a moment (issue 8 §8): the message goes on unarchived, as
      // traffic does everywhere else meanwhile, rather than bouncing for the archive's sake.
      const unavailable = (err: unknown): false => {
        if (!(err instanceof StoreUnavailableError)) throw err;
        api.log.warn({ err }, 'a message was not archived: the store is unavailable');
        return false;
      };
      try {
        const pending = archiveInto(event, stanza);
        return pending ? pending.then(() => false as const, unavailable) : false;
      } catch (err) {
        return unavailable(err);
      }
    };

    /** Steps 3–4: the archives, then the recipient's id on the routed copy; a promise only when something must be waited for. */
    const archiveInto = (event: StanzaEvent, original: Element): void | Promise<void> => {
      const { from, to } = event;
      const sender = from.local && from.domain === domain ? from.local : undefined;
      const recipient = to.local;
      // Flat now: the writer thread's post needs it flat anyway, and a batch compares each stanza
      // with the one before (one message's two copies are posted once), which walks a cons tree.
      // Here, not in the batch encoder: flattened while its pieces are fresh it cost the event loop
      // 0.4 % at 14,000 BOSH msg/s, in the encoder 1.8 % (CPU profiles).
      const copy: ArchivedCopy = { event, original, text: flatString(original.toString()), at: now(), sender, recipient };
      // A message to an account that does not exist bounces (core's fallback): nothing to keep. One
      // with a session on this node exists: no store read for the common case.
      if (recipient && recipient !== sender && api.router.localSessionsOf(recipient).length === 0) {
        return api.stores.accounts.hasAccount(recipient).then((exists) => (exists ? archiveFor(copy) : undefined));
      }
      return archiveFor(copy);
    };
    const archiveFor = (copy: ArchivedCopy): void | Promise<void> => {
      const { event, sender, recipient } = copy;
      const senderWants = sender !== undefined && wants(sender, event.to.bare().toString());
      const recipientWants = recipient !== undefined && recipient !== sender && wants(recipient, event.from.bare().toString());
      return whenBoth(senderWants, recipientWants, (s, r) => storeCopies(copy, s, r));
    };
    /** Both at once: one group commit (SQLite) or one round trip (Redis) instead of two in a row. */
    const storeCopies = (copy: ArchivedCopy, senderWants: boolean, recipientWants: boolean): void | Promise<void> => {
      const { event, text, at, sender, recipient } = copy;
      const senderId = senderWants ? store(sender!, { at, with: withKeys(event.to), stanza: text }) : undefined;
      const otherId = recipientWants ? store(recipient!, { at, with: withKeys(event.from), stanza: text }) : undefined;
      const own = recipient === sender; // one archive, one copy
      return whenBoth(senderId, otherId, (s, o) => tagRoutedCopy(copy, own ? s : o));
    };
    const tagRoutedCopy = ({ event, original }: ArchivedCopy, recipientId: string | undefined): void => {
      if (!recipientId) return;
      const stanza = withAttrs(original, {});
      stanza.children = [...original.children, stanzaId(event.to.bare().toString(), recipientId)];
      archived.add(stanza);
      event.stanza = stanza;
    };
    api.hook('message/bare', archive, ARCHIVE_PRIORITY);
    api.hook('message/full', archive, ARCHIVE_PRIORITY);

    // XEP-0313 §4: queries go to the user's own bare JID (or carry no 'to').
    const ownOnly = (isOwnAccount: boolean) => {
      if (!isOwnAccount) throw new StanzaError('forbidden', "only the account's owner may query its archive (XEP-0313 §4)");
    };
    // Stored stanzas were accepted within the stream limits; the stanza id adds a few bytes.
    const storedLimits = { ...api.coreOptions.xml, maxStanzaBytes: api.coreOptions.xml.maxStanzaBytes + 1024 };
    api.iq(
      MAM_NS.MAM,
      'query',
      {
        get: ({ isOwnAccount }) => {
          ownOnly(isOwnAccount);
          return mamQueryForm(true);
        },
        set: async ({ payload, from, isOwnAccount }) => {
          ownOnly(isOwnAccount);
          const query = parseMamQuery(payload, { extended: true });
          const owner = from.local;
          if (options.retentionDays > 0) await archives.expire(owner, now() - options.retentionDays * 86_400_000);
          const page = await queryArchive(archives, owner, query, options);
          const bare = from.bare().toString();
          for (const m of page.messages) {
            let message: Element;
            try {
              message = parseDocument(m.stanza, storedLimits);
            } catch (err) {
              api.log.warn({ err, user: owner, id: m.id }, 'skipping an unreadable archived message');
              continue;
            }
            await api.router.deliver(from, mamResult({ to: from.toString(), from: bare, queryId: query.queryId, id: m.id, at: m.at, message }));
          }
          const first = page.messages[0]?.id;
          const last = page.messages.at(-1)?.id;
          return mamFin({ ...(first ? { first } : {}), ...(last ? { last } : {}), ...(query.before === undefined ? { index: page.index } : {}), count: page.count, complete: page.complete });
        },
      },
      'account',
    );

    // XEP-0441: preferences of one's own archive.
    api.iq(
      MAM_NS.MAM,
      'prefs',
      {
        get: async ({ from, isOwnAccount }) => {
          ownOnly(isOwnAccount);
          return mamPrefsElement((await archives.getPrefs(from.local)) ?? { default: options.defaultPreference, always: [], never: [] });
        },
        set: async ({ payload, from, isOwnAccount }) => {
          ownOnly(isOwnAccount);
          const prefs = parseMamPrefs(payload);
          await archives.setPrefs(from.local, prefs);
          prefsCache.changed(from.local);
          return mamPrefsElement(prefs);
        },
      },
      'account',
    );
  },
};
