// XEP-0030 services hosted as `domain/resource` (api.discoService): listed in the domain's
// disco#items, each answering disco#info with its own identities, features and XEP-0128 forms.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { loadModule, type Module } from '../module-api.js';

let harness: Harness;
let alice: HarnessClient;
let limit = 100;
const uploadLike: Module = {
  name: 'upload-like',
  setup(api) {
    api.discoService('upload', 'HTTP upload', () => ({
      identities: [{ category: 'store', type: 'file', name: 'HTTP upload' }],
      features: ['urn:example:upload', NS.DISCO_INFO],
      extensions: [xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'max' }, xml('value', {}, String(limit))))],
    }));
  },
};

const info = (to: string) => alice.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_INFO })));
const items = (to: string) => alice.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_ITEMS })));

beforeEach(async () => {
  harness = await Harness.create({ modules: [uploadLike] });
  await harness.addUser('alice');
  alice = await harness.connect('alice');
});

describe('services of the server (XEP-0030 §4)', () => {
  it("lists each service as an item of the domain, with its name", async () => {
    const reply = await items('localhost');
    expect(reply.getChild('query', NS.DISCO_ITEMS)!.getChildren('item').map((i) => i.attrs)).toEqual([{ jid: 'localhost/upload', name: 'HTTP upload' }]);
  });

  it('answers disco#info of the service from its JID with its identity, features and form, built per request (§3.1, XEP-0128)', async () => {
    limit = 42;
    const reply = await info('localhost/upload');
    expect(reply.attrs).toMatchObject({ type: 'result', from: 'localhost/upload' });
    const query = reply.getChild('query', NS.DISCO_INFO)!;
    expect(query.getChildren('identity').map((i) => i.attrs)).toEqual([{ category: 'store', type: 'file', name: 'HTTP upload' }]);
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toEqual([NS.DISCO_INFO, 'urn:example:upload']);
    expect(query.getChild('x', 'jabber:x:data')!.getChild('field')!.getChildText('value')).toBe('42');
  });

  it('keeps the server identity on the domain and gives a service no items of its own', async () => {
    const domain = (await info('localhost')).getChild('query', NS.DISCO_INFO)!;
    expect(domain.getChildren('identity').map((i) => i.attrs.category)).toEqual(['server']);
    expect((await items('localhost/upload')).getChild('query', NS.DISCO_ITEMS)!.getChildren('item')).toEqual([]);
  });

  it('answers item-not-found for a resource of the domain that no module serves', async () => {
    expect(isStanzaError(await info('localhost/nothing'), 'item-not-found')).toBe(true);
  });

  it('removes the service from items and info when its module is unloaded', async () => {
    const other: Module = { name: 'proxy-like', setup: (api) => api.discoService('proxy', 'Proxy', () => ({ identities: [{ category: 'proxy', type: 'bytestreams' }], features: [] })) };
    const loaded = await loadModule(harness.core, other);
    expect((await items('localhost')).getChild('query', NS.DISCO_ITEMS)!.getChildren('item')).toHaveLength(2);
    loaded.unload();
    expect((await items('localhost')).getChild('query', NS.DISCO_ITEMS)!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['localhost/upload']);
    expect(isStanzaError(await info('localhost/proxy'), 'item-not-found')).toBe(true);
  });
});
