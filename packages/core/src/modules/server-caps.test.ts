// XEP-0115 §6.3: the server's own entity capabilities in its stream features, and the disco#info
// behind them at <node>#<ver>, whose verification string is the one advertised.
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, isStanzaError } from '@deskchat/testing';
import { CAPS_NS, SERVER_CAPS_NODE, capsVerOf } from './caps.js';

describe("the server's caps (XEP-0115 §6.3)", () => {
  it('advertises <c/> in the stream features after authentication, and answers disco#info at node#ver with info that hashes to ver', async () => {
    const h = await Harness.create();
    await h.addUser('alice');
    const { features } = await h.authenticate('alice');
    const c = features.getChild('c', CAPS_NS);
    expect(c?.attrs).toMatchObject({ hash: 'sha-1', node: SERVER_CAPS_NODE });
    const alice = await h.connect('alice');
    const node = `${SERVER_CAPS_NODE}#${c!.attrs.ver}`;
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO, node })));
    const query = reply.getChild('query', NS.DISCO_INFO)!;
    expect(query.attrs.node).toBe(node);
    expect(capsVerOf(query)).toBe(c!.attrs.ver);
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toContain(NS.DISCO_INFO);
    const stale = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO, node: `${SERVER_CAPS_NODE}#stale=` })));
    expect(isStanzaError(stale, 'item-not-found')).toBe(true);
  });
});
