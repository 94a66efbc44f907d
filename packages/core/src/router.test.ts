// Delivery rules for messages, presence and IQs to bare and full JIDs (RFC 6121 §8.5, RFC 6120 §10),
// and the IQ dispatcher's rules (RFC 6120 §8.2.3), through the in-process harness.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { Harness, isStanzaError, stanzaMatching, type HarnessClient } from '@deskchat/testing';
import type { Module } from './module-api.js';
import { memoryStores } from './stores.js';
import { StoreUnavailableError } from './storage/store-unavailable.js';
import { memorySharedState } from './volatile/index.js';

const chat = (to: string, body = 'hello', type = 'chat') => xml('message', { to, type, id: 'm1' }, xml('body', {}, body));
const available = (priority = 0) => xml('presence', {}, xml('priority', {}, String(priority)));

let harness: Harness;
let alice: HarnessClient;
beforeEach(async () => {
  harness = await Harness.create();
  await harness.addUser('alice');
  await harness.addUser('bob');
  alice = await harness.connect('alice', { resource: 'desk' });
});

describe('messages (RFC 6121 §8.5)', () => {
  it('delivers a message to a full JID with the sender stamped as from (RFC 6120 §8.1.2.1)', async () => {
    const bob = await harness.connect('bob', { resource: 'phone' });
    await alice.send(chat('bob@localhost/phone'));
    const got = await bob.next(stanzaMatching('message'));
    expect(got.attrs.from).toBe('alice@localhost/desk');
    expect(got.getChildText('body')).toBe('hello');
  });

  it("gives a resource of this node as its session's own JID, not a copy made for each stanza", async () => {
    await harness.connect('bob', { resource: 'phone' });
    const [resource] = await harness.core.router.resourcesOf('bob');
    expect(resource.jid.toString()).toBe('bob@localhost/phone');
    expect(resource.jid).toBe(harness.core.sessions.get('bob', 'phone')!.jid);
  });

  it('delivers a chat to a bare JID to every available non-negative resource, not to negative ones (§8.5.2.1.1)', async () => {
    const bob1 = await harness.connect('bob', { resource: 'one' });
    const bob2 = await harness.connect('bob', { resource: 'two' });
    const bob3 = await harness.connect('bob', { resource: 'three' });
    await bob1.send(available(1));
    await bob2.send(available(0));
    await bob3.send(available(-1));
    await alice.send(chat('bob@localhost'));
    await bob1.next(stanzaMatching('message'));
    await bob2.next(stanzaMatching('message'));
    await expect(bob3.next(stanzaMatching('message'), 100)).rejects.toThrow();
  });

  it('handles a chat to an unavailable full JID as if sent to the bare JID (§8.5.3.2.1)', async () => {
    const bob = await harness.connect('bob', { resource: 'one' });
    await bob.send(available());
    await alice.send(chat('bob@localhost/gone'));
    expect((await bob.next(stanzaMatching('message'))).attrs.to).toBe('bob@localhost/gone');
  });

  it('returns service-unavailable when the user has no available resource and nothing stores offline (§8.5.2.2.1)', async () => {
    await alice.send(chat('bob@localhost'));
    const error = await alice.next(stanzaMatching('message', { type: 'error' }));
    expect(isStanzaError(error, 'service-unavailable')).toBe(true);
    expect(error.attrs.from).toBe('bob@localhost');
  });

  it('answers a message to a user that does not exist with the same service-unavailable (§8.5.1)', async () => {
    await alice.send(chat('nobody@localhost'));
    expect(isStanzaError(await alice.next(), 'service-unavailable')).toBe(true);
  });

  it('silently drops a headline to a user with no available resource (§8.5.2.2.1)', async () => {
    await alice.send(chat('bob@localhost', 'news', 'headline'));
    await expect(alice.next(undefined, 100)).rejects.toThrow();
  });

  it('hands chat messages for an offline user to message/offline when a module stores them', async () => {
    const stored: string[] = [];
    const offline: Module = { name: 'offline-test', setup: (api) => api.hook('message/offline', ({ stanza }) => { stored.push(stanza.getChildText('body')!); return true; }) };
    await harness.core.load(offline);
    await alice.send(chat('bob@localhost', 'later'));
    expect(stored).toEqual(['later']);
    await expect(alice.next(undefined, 100)).rejects.toThrow();
  });

  it('returns remote-server-not-found for another domain (no federation)', async () => {
    await alice.send(chat('carol@example.org'));
    expect(isStanzaError(await alice.next(), 'remote-server-not-found')).toBe(true);
  });

  it('returns jid-malformed for an invalid to (RFC 6120 §8.3.3.8)', async () => {
    await alice.send(chat('bad@@localhost'));
    expect(isStanzaError(await alice.next(), 'jid-malformed')).toBe(true);
  });
});

describe('IQs (RFC 6120 §8.2.3, §10.3)', () => {
  it('answers an unhandled IQ get to the server with service-unavailable (RFC 6120 §8.4)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'urn:example:nothing' })));
    expect(isStanzaError(reply, 'service-unavailable')).toBe(true);
  });

  it('answers an IQ to an unavailable full JID with service-unavailable (RFC 6121 §8.5.3.2.2)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'bob@localhost/none' }, xml('ping', { xmlns: NS.PING })));
    expect(isStanzaError(reply, 'service-unavailable')).toBe(true);
  });

  it('relays an IQ to a full JID and its result back', async () => {
    const bob = await harness.connect('bob', { resource: 'one' });
    const pending = alice.iq(xml('iq', { type: 'get', to: 'bob@localhost/one', id: 'v1' }, xml('query', { xmlns: NS.VERSION })));
    const request = await bob.next(stanzaMatching('iq', { id: 'v1' }));
    await bob.send(xml('iq', { type: 'result', id: 'v1', to: request.attrs.from }));
    expect((await pending).attrs).toMatchObject({ type: 'result', from: 'bob@localhost/one' });
  });

  it('never answers an IQ result or error addressed to the server', async () => {
    await alice.send(xml('iq', { type: 'result', id: 'x', to: 'localhost' }));
    await alice.send(xml('iq', { type: 'error', id: 'y', to: 'localhost' }));
    await expect(alice.next(undefined, 100)).rejects.toThrow();
  });

  it('answers XEP-0199 ping to the server and with no to', async () => {
    expect((await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: NS.PING })))).attrs.type).toBe('result');
    expect((await alice.iq(xml('iq', { type: 'get' }, xml('ping', { xmlns: NS.PING })))).attrs.type).toBe('result');
  });

  it('lists the server identity and features in XEP-0030 disco#info', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const query = reply.getChild('query', NS.DISCO_INFO)!;
    expect(query.getChild('identity')!.attrs).toMatchObject({ category: 'server', type: 'im' });
    const features = query.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([NS.DISCO_INFO, NS.DISCO_ITEMS, NS.PING, NS.VERSION]));
  });

  it('answers XEP-0092 version without the operating system by default', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.VERSION })));
    const query = reply.getChild('query', NS.VERSION)!;
    expect(query.getChildText('name')).toBe('DeskChat');
    expect(query.getChild('os')).toBeUndefined();
  });

  it('turns a handler that throws unexpectedly into internal-server-error', async () => {
    const broken: Module = { name: 'broken', setup: (api) => api.iq('urn:example:broken', 'query', { get: () => { throw new Error('bug'); } }) };
    await harness.core.load(broken);
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'urn:example:broken' })));
    expect(isStanzaError(reply, 'internal-server-error')).toBe(true);
  });

  it('renders a StanzaError thrown by a handler with its condition and text', async () => {
    const strict: Module = { name: 'strict', setup: (api) => api.iq('urn:example:strict', 'query', { set: () => { throw new StanzaError('not-allowed', 'nope'); } }) };
    await harness.core.load(strict);
    const reply = await alice.iq(xml('iq', { type: 'set', to: 'localhost' }, xml('query', { xmlns: 'urn:example:strict' })));
    expect(StanzaError.fromStanza(reply)).toMatchObject({ condition: 'not-allowed', text: 'nope', type: 'cancel' });
  });

  it('removes everything a module registered when it is unloaded', async () => {
    const { loadModule } = await import('./module-api.js');
    const mod: Module = { name: 'temp', setup: (api) => api.iq('urn:example:temp', 'query', { get: () => undefined }) };
    const loaded = await loadModule(harness.core, mod);
    loaded.unload();
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'urn:example:temp' })));
    expect(isStanzaError(reply, 'service-unavailable')).toBe(true);
  });
});

describe('sessions', () => {
  it('forgets a session when its transport closes', async () => {
    alice.session.onTransportClosed();
    expect(harness.core.sessions.get('alice', 'desk')).toBeUndefined();
    expect(harness.core.streams.size).toBe(0);
  });
});

describe('RFC 3921 session establishment', () => {
  it('answers the legacy session IQ with a result (RFC 6121 Appendix E)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'set' }, xml('session', { xmlns: NS.SESSION })));
    expect(reply.attrs.type).toBe('result');
  });
});

describe('replies on behalf of the account (RFC 6120 §8.1.2.1)', () => {
  it('sends the error for an IQ without to from the user\'s bare JID, as it sends results', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get' }, xml('blocklist', { xmlns: 'urn:xmpp:blocking' })));
    expect(isStanzaError(reply, 'service-unavailable')).toBe(true);
    expect(reply.attrs.from).toBe('alice@localhost');
  });
});

describe('while the shared session directory cannot be read (issue 8 §8)', () => {
  it("delivers between this node's own sessions from the sessions themselves, to full and bare JIDs", async () => {
    const stores = memoryStores();
    const shared = memorySharedState(stores.presenceState);
    let isDown = false;
    const directory = new Proxy(shared.directory, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'resourcesOf' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => (isDown ? Promise.reject(new StoreUnavailableError('test', 'the directory is down')) : value.apply(target, args));
      },
    });
    const down = await Harness.create({ stores, shared: () => ({ ...shared, directory }) });
    await down.addUser('alice');
    await down.addUser('bob');
    const from = await down.connect('alice', { resource: 'desk' });
    const to = await down.connect('bob', { resource: 'phone' });
    await to.send(available(0));
    isDown = true;
    await from.send(chat('bob@localhost/phone', 'to the full JID'));
    expect((await to.next(stanzaMatching('message'))).getChildText('body')).toBe('to the full JID');
    await from.send(chat('bob@localhost', 'to the bare JID'));
    expect((await to.next(stanzaMatching('message'))).getChildText('body')).toBe('to the bare JID');
    // Not a guess about other nodes: a user with no session here has no resources.
    await expect(down.core.router.resourcesOf('carol')).resolves.toEqual([]);
  });

  it('answers a stanza that needs the unreachable store with a retryable error and keeps the stream (issue 14: a Redis failover)', async () => {
    const stores = memoryStores();
    const shared = memorySharedState(stores.presenceState);
    let isDown = false;
    const failing = new Set<PropertyKey>(['get', 'update', 'resourcesOf']);
    const directory = new Proxy(shared.directory, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (!failing.has(name) || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => (isDown ? Promise.reject(new StoreUnavailableError('test', 'the directory is down')) : value.apply(target, args));
      },
    });
    const down = await Harness.create({ stores, shared: () => ({ ...shared, directory }) });
    await down.addUser('alice');
    await down.addUser('bob');
    const from = await down.connect('alice', { resource: 'desk' });
    const to = await down.connect('bob', { resource: 'phone' });
    isDown = true;
    // A full JID with no session on this node: the directory must be read.
    await from.send(chat('bob@localhost/elsewhere', 'needs the directory'));
    const error = await from.next(stanzaMatching('message'));
    expect(isStanzaError(error, 'internal-server-error')).toBe(true);
    expect(error.getChild('error')?.attrs.type).toBe('wait');
    // Own presence: its directory entry cannot be written.
    await from.send(available(0));
    const presenceError = await from.next(stanzaMatching('presence'));
    expect(presenceError.attrs.type).toBe('error');
    expect(presenceError.getChild('error')?.attrs.type).toBe('wait');
    expect(from.transport.closedWith).toBeUndefined();
    isDown = false;
    await from.send(chat('bob@localhost/phone', 'after'));
    expect((await to.next(stanzaMatching('message'))).getChildText('body')).toBe('after');
    expect(from.transport.closedWith).toBeUndefined();
  });
});
