// The hosted-service seam (docs/routing.md "Services on subdomains"): stanzas to a subdomain a
// module serves reach its handler with the stamped sender and origin; its StanzaErrors go back to
// the sender; other domains still get remote-server-not-found (RFC 6120 §10.4.3); the server's
// disco#items lists what modules add; unloading removes the service.
import { describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS, StanzaError, iqResult } from '@deskchat/protocol';
import { Harness, isStanzaError } from '@deskchat/testing';
import type { StanzaEvent } from './hook-events.js';
import type { Module } from './module-api.js';

const seen: StanzaEvent[] = [];
const echoService: Module = {
  name: 'echo-service',
  setup(api) {
    api.hostService('echo.localhost', async (event) => {
      seen.push(event);
      if (event.stanza.name === 'message' && event.stanza.attrs.type !== 'error') throw new StanzaError('not-acceptable', 'no messages here');
      if (event.stanza.name === 'iq') await api.router.deliver(event.from, iqResult(event.stanza));
    });
    api.hook('disco/host-items', () => ({ jid: 'echo.localhost', name: 'Echo' }));
  },
};

describe('services hosted on subdomains', () => {
  it('hands the service every stanza to its domain and to JIDs at it, with sender and origin', async () => {
    seen.length = 0;
    const harness = await Harness.create({ modules: [echoService] });
    await harness.addUser('alice');
    const alice = await harness.connect('alice', { resource: 'desk' });
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'room@echo.localhost/nick' }, xml('ping', { xmlns: NS.PING })));
    expect(reply.attrs).toMatchObject({ type: 'result', from: 'room@echo.localhost/nick' });
    await alice.send(xml('presence', { to: 'echo.localhost' }));
    expect(seen.map((e) => [e.stanza.name, e.to.toString(), e.from.toString(), e.origin?.id === alice.session.id])).toEqual([
      ['iq', 'room@echo.localhost/nick', 'alice@localhost/desk', true],
      ['presence', 'echo.localhost', 'alice@localhost/desk', true],
    ]);
    await alice.send(xml('message', { to: 'room@echo.localhost', id: 'm1' }, xml('body', {}, 'hi')));
    const error = await alice.next((e) => e.name === 'message');
    expect(isStanzaError(error, 'not-acceptable')).toBe(true);
    expect(error.attrs.from).toBe('room@echo.localhost');
  });

  it('still answers remote-server-not-found for other domains, and lists the service in disco#items', async () => {
    const harness = await Harness.create({ modules: [echoService] });
    await harness.addUser('alice');
    const alice = await harness.connect('alice');
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'get', to: 'echo.example.org' }, xml('ping', { xmlns: NS.PING }))), 'remote-server-not-found')).toBe(true);
    const items = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })));
    expect(items.getChild('query')!.getChildren('item').map((i) => i.attrs)).toEqual([{ jid: 'echo.localhost', name: 'Echo' }]);
  });

  it('refuses a domain that is not a subdomain of the server, or one already served', async () => {
    const outside: Module = { name: 'outside', setup: (api) => api.hostService('echo.example.org', () => undefined) };
    await expect(Harness.create({ modules: [outside] })).rejects.toThrow('a hosted service must be on a subdomain of localhost');
    await expect(Harness.create({ modules: [echoService, { ...echoService, name: 'again' }] })).rejects.toThrow("'echo.localhost' is already served by another module");
  });

  it('forgets the service when its module is unloaded', async () => {
    const harness = await Harness.create({ modules: [echoService] });
    expect([...harness.core.hostedServices.keys()]).toEqual(['echo.localhost']);
    await harness.core.shutdown();
    expect(harness.core.hostedServices.size).toBe(0);
  });
});
