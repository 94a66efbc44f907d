// Composed presence (design.md §3): the user's resources, the phone (on-call) and the calendar
// (in-meeting) folded into one presence that subscribers see in any unmodified RFC 6121 client.
// It rides on the presence module's 'presence/pre-broadcast' seam: every presence the server
// sends for a user gets the server-owned stanzas added (composed at priority 127, sources at −1).
import type { Element } from '@xmpp/xml';
import { withAttrs } from '@deskchat/protocol';
import type { Module } from '@deskchat/core';
import { PRESENCE_SERVICE, type PresenceService } from '../presence/presence-service.js';
import type { PresenceBroadcast } from '../presence/events.js';
import { privateKey } from '../private/private-xml-module.js';
import { compose, MEETING_STATUS, PHONE_STATUS, type CalendarState, type PhoneState, type ResourcePresence } from './compose.js';
import { composedStanza, manualStateElement, showOf, sourceStanza, unavailableFrom } from './composed-stanzas.js';
import { PRESENCE_SOURCES_SERVICE, SOURCE_STATES, type PresenceReport, type PresenceSourceService, type SourceName } from './source-service.js';

export interface CompositionOptions {
  /**
   * Server-owned resource names: clients cannot bind them, so the defaults are names no client
   * picks by accident (a mobile client may well call itself "phone").
   */
  resources: { composed: string; phone: string; calendar: string };
}

export const DEFAULT_COMPOSITION_OPTIONS: CompositionOptions = { resources: { composed: 'composed-presence', phone: 'phone-status', calendar: 'calendar-status' } };

interface OutsideSources {
  phone?: PhoneState;
  calendar?: CalendarState;
}

export const compositionModule: Module<CompositionOptions> = {
  name: 'composition',
  defaults: DEFAULT_COMPOSITION_OPTIONS,
  setup(api) {
    const names = api.options.resources;
    for (const name of Object.values(names)) api.reserveResource(name);
    const serverOwned = new Set(Object.values(names));
    const presence = () => {
      const service = api.use<PresenceService>(PRESENCE_SERVICE);
      if (!service) throw new Error('the composition module needs the presence module, loaded before it');
      return service;
    };
    // Volatile by design: a phone or calendar state is re-sent by its integration; in a cluster it moves to Redis.
    const outside = new Map<string, OutsideSources>();
    /** Source resources whose available presence went out, so that their unavailable follows. */
    const announced = new Map<string, Set<SourceName>>();
    const lastManual = new Map<string, string>();
    /** What each server-owned resource last broadcast per user, so that unchanged presence is not re-sent. */
    const lastBroadcast = new Map<string, Map<string, string>>();
    const SEEN = 'composition:seen';

    /**
     * A broadcast carries a server-owned stanza only when it changed. A resource that has not been
     * sent the current ones yet (its initial presence triggered this) gets the unchanged ones alone.
     */
    const changedOnly = async (username: string, stanzas: Element[], session: PresenceBroadcast['session']): Promise<Element[]> => {
      const last = lastBroadcast.get(username) ?? new Map<string, string>();
      lastBroadcast.set(username, last);
      const isNewSession = session !== undefined && session.data.get(SEEN) !== true;
      session?.data.set(SEEN, true);
      const changed: Element[] = [];
      for (const stanza of stanzas) {
        const text = stanza.toString();
        if (last.get(stanza.attrs.from) !== text) changed.push(stanza);
        else if (isNewSession) await session!.deliver(withAttrs(stanza, { to: session!.jid!.toString() }));
        last.set(stanza.attrs.from, text);
      }
      return changed;
    };

    const resourcesOf = (username: string): ResourcePresence[] =>
      presence()
        .availableResourcesOf(username)
        .filter((r) => !serverOwned.has(r.jid.resource))
        .map((r) => ({ resource: r.jid.resource, show: showOf(r.presence), status: r.presence.getChildText('status') ?? undefined, priority: r.priority }));

    const composedFor = (username: string) => compose({ resources: resourcesOf(username), ...outside.get(username) });

    /** The server-owned stanzas to send with a broadcast, a snapshot or a revoke. */
    const serverStanzas = (username: string, reason: PresenceBroadcast['reason']): Element[] => {
      const composed = composedFor(username);
      const out = [composedStanza(api.jid(username, names.composed), reason === 'revoke' ? { ...composed, isAvailable: false } : composed)];
      const sources = outside.get(username) ?? {};
      const active: Record<SourceName, string | undefined> = {
        phone: sources.phone === 'on-call' ? PHONE_STATUS : undefined,
        calendar: sources.calendar === 'in-meeting' ? MEETING_STATUS : undefined,
      };
      const sent = announced.get(username) ?? new Set<SourceName>();
      for (const source of Object.keys(active) as SourceName[]) {
        const from = api.jid(username, names[source]);
        const status = active[source];
        if (status && composed.isAvailable && reason !== 'revoke') {
          out.push(sourceStanza(from, status));
          if (reason === 'broadcast') sent.add(source);
        } else if (sent.has(source) || reason === 'revoke') {
          out.push(unavailableFrom(from));
          if (reason === 'broadcast') sent.delete(source);
        }
      }
      announced.set(username, sent);
      return out;
    };

    /** design.md §3: the server keeps each user's last manual state so that any client can ask for it (XEP-0049). */
    const keepManualState = async ({ username, session }: PresenceBroadcast): Promise<void> => {
      // Only an available resource states a choice; signing out must not overwrite it.
      const stanza = session?.jid ? presence().lastPresenceOf(session.jid) : undefined;
      if (!stanza) return;
      const element = manualStateElement(showOf(stanza), stanza.getChildText('status') ?? undefined);
      const serialized = element.toString();
      if (lastManual.get(username) === serialized) return;
      lastManual.set(username, serialized);
      await api.stores.privateXml.setItem(username, privateKey(element), serialized);
    };

    api.hook(
      'presence/pre-broadcast',
      async (payload) => {
        payload.stanzas = payload.stanzas.filter((s) => !serverOwned.has(s.attrs.from?.split('/')[1]));
        const own = serverStanzas(payload.username, payload.reason);
        payload.stanzas.push(...(payload.reason === 'broadcast' ? await changedOnly(payload.username, own, payload.session) : own));
        if (payload.reason === 'broadcast' && payload.session) await keepManualState(payload);
        return false; // later handlers still see the result
      },
      10,
    );

    const service: PresenceSourceService = {
      async setSource(username, source, state) {
        if (!(await api.stores.accounts.hasAccount(username))) return false;
        if (state !== undefined && !SOURCE_STATES[source].includes(state)) throw new Error(`invalid ${source} state '${state}'`);
        const current = { ...outside.get(username), [source]: state };
        if (current.phone === undefined && current.calendar === undefined) outside.delete(username);
        else outside.set(username, current as OutsideSources);
        // Republish through the seam; with no resource online the user stays unavailable.
        if (resourcesOf(username).length > 0) await presence().broadcastFor(username, composedStanza(api.jid(username, names.composed), composedFor(username)));
        return true;
      },
      async report(username): Promise<PresenceReport | undefined> {
        if (!(await api.stores.accounts.hasAccount(username))) return undefined;
        const resources = resourcesOf(username);
        const sources = outside.get(username) ?? {};
        return { username, composed: compose({ resources, ...sources }), sources: { resources, ...sources } };
      },
    };
    api.provide(PRESENCE_SOURCES_SERVICE, service);
  },
};
