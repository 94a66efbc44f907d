// Composed presence (design.md §3): the user's resources, the phone (on-call) and the calendar
// (in-meeting) folded into one presence that subscribers see in any unmodified RFC 6121 client.
// It rides on the presence module's 'presence/pre-broadcast' seam: every presence the server
// sends for a user gets the server-owned stanzas added (composed at priority 127, sources at −1).
//
// What each server-owned resource last published is a record in the shared PresenceStore (as for
// any resource), swapped atomically: whichever node broadcasts a change sends it, exactly once,
// and an unchanged composed presence is not sent again. Outside sources live there too, so a
// phone state set through any node's admin API composes everywhere, and survives a restart.
import type { Element } from '@xmpp/xml';
import { withAttrs } from '@deskchat/protocol';
import { SERVER_OWNED, type Module } from '@deskchat/core';
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

/** A server-owned stanza and whether publishing it changes what was published before. */
interface Published {
  stanza: Element;
  isChanged: boolean;
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

    const resourcesOf = async (username: string): Promise<ResourcePresence[]> =>
      (await presence().availableResourcesOf(username))
        .filter((r) => !serverOwned.has(r.jid.resource))
        .map((r) => ({ resource: r.jid.resource, show: showOf(r.presence), status: r.presence.getChildText('status') ?? undefined, priority: r.priority }));
    const sourcesOf = async (username: string): Promise<OutsideSources> => (await api.presence.getSources(username)) as OutsideSources;
    const composedFor = async (username: string) => compose({ resources: await resourcesOf(username), ...(await sourcesOf(username)) });

    /** Records what a server-owned resource publishes now; says whether that differs from before. */
    const publish = async (username: string, resource: string, stanza: Element): Promise<Published> => {
      const text = stanza.toString();
      if (stanza.attrs.type === 'unavailable') {
        return { stanza, isChanged: (await api.presence.clearAvailable(username, resource, SERVER_OWNED)) !== undefined };
      }
      return { stanza, isChanged: (await api.presence.setAvailable(username, resource, SERVER_OWNED, text)) !== text };
    };

    /** The server-owned stanzas for a broadcast (recorded), a snapshot or a revoke (not recorded). */
    const serverStanzas = async (username: string, reason: PresenceBroadcast['reason']): Promise<Published[]> => {
      const composed = await composedFor(username);
      const sources = await sourcesOf(username);
      const active: Record<SourceName, string | undefined> = {
        phone: sources.phone === 'on-call' ? PHONE_STATUS : undefined,
        calendar: sources.calendar === 'in-meeting' ? MEETING_STATUS : undefined,
      };
      const wanted: [resource: string, stanza: Element][] = [];
      const composedJid = api.jid(username, names.composed);
      wanted.push([names.composed, composedStanza(composedJid, reason === 'revoke' ? { ...composed, isAvailable: false } : composed)]);
      for (const source of Object.keys(active) as SourceName[]) {
        const from = api.jid(username, names[source]);
        const status = active[source];
        if (status && composed.isAvailable && reason !== 'revoke') wanted.push([names[source], sourceStanza(from, status)]);
        else if (reason !== 'snapshot') wanted.push([names[source], unavailableFrom(from)]);
      }
      if (reason !== 'broadcast') return wanted.map(([, stanza]) => ({ stanza, isChanged: true }));
      return Promise.all(wanted.map(([resource, stanza]) => publish(username, resource, stanza)));
    };

    /** design.md §3: the server keeps each user's last manual state so that any client can ask for it (XEP-0049). */
    const keepManualState = async (username: string, trigger: NonNullable<PresenceBroadcast['trigger']>): Promise<void> => {
      // Only an available resource states a choice; signing out must not overwrite it.
      const stanza = await presence().lastPresenceOf(trigger.resource);
      if (!stanza) return;
      const element = manualStateElement(showOf(stanza), stanza.getChildText('status') ?? undefined);
      const serialized = element.toString();
      if ((await api.stores.privateXml.getItem(username, privateKey(element))) === serialized) return;
      await api.stores.privateXml.setItem(username, privateKey(element), serialized);
    };

    api.hook(
      'presence/pre-broadcast',
      async (payload) => {
        const { username, reason, trigger } = payload;
        payload.stanzas = payload.stanzas.filter((s) => !serverOwned.has(s.attrs.from?.split('/')[1]));
        const own = await serverStanzas(username, reason);
        // A broadcast carries a server-owned stanza only when it changed. A resource that has not
        // been sent the current ones yet (its initial presence triggered this) gets the unchanged ones alone.
        for (const { stanza, isChanged } of own) {
          if (isChanged) payload.stanzas.push(stanza);
          else if (trigger?.isInitial && stanza.attrs.type !== 'unavailable') await api.router.deliver(trigger.resource, withAttrs(stanza, { to: trigger.resource.toString() }));
        }
        if (reason === 'broadcast' && trigger) await keepManualState(username, trigger);
        return false; // later handlers still see the result
      },
      10,
    );

    const service: PresenceSourceService = {
      async setSource(username, source, state) {
        if (!(await api.stores.accounts.hasAccount(username))) return false;
        if (state !== undefined && !SOURCE_STATES[source].includes(state)) throw new Error(`invalid ${source} state '${state}'`);
        await api.presence.setSource(username, source, state);
        // Republish through the seam; with no resource online the user stays unavailable.
        if ((await resourcesOf(username)).length > 0) await presence().broadcastFor(username, composedStanza(api.jid(username, names.composed), await composedFor(username)));
        return true;
      },
      async report(username): Promise<PresenceReport | undefined> {
        if (!(await api.stores.accounts.hasAccount(username))) return undefined;
        const resources = await resourcesOf(username);
        const sources = await sourcesOf(username);
        return { username, composed: compose({ resources, ...sources }), sources: { resources, ...sources } };
      },
    };
    api.provide(PRESENCE_SOURCES_SERVICE, service);
  },
};
