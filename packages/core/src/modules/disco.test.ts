// XEP-0030 for accounts (issue #7 §7): disco#info of a bare JID answers the account itself and the
// contacts subscribed to its presence; anyone else gets service-unavailable whether or not the
// account exists (XEP-0030 §8); disco#items of a bare JID is an empty result for everyone.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';

let harness: Harness;
let bob: HarnessClient;
beforeEach(async () => {
  harness = await Harness.create();
  for (const user of ['alice', 'bob', 'carol']) await harness.addUser(user);
  bob = await harness.connect('bob');
  // alice shares her presence with carol only (RFC 6121: carol is in alice's roster with subscription 'from').
  await harness.core.stores.roster.setItem('alice', { jid: 'carol@localhost', groups: [], subscription: 'from', isPendingOut: false, isPreApproved: false });
});

const info = (client: HarnessClient, to: string) => client.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_INFO })));
const items = (client: HarnessClient, to: string) => client.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_ITEMS })));

describe('disco#info of a bare JID (XEP-0030 §3.1, §8)', () => {
  it('answers service-unavailable to a user without a subscription, the same as for an unknown account', async () => {
    const unsubscribed = await info(bob, 'alice@localhost');
    const unknown = await info(bob, 'nobody@localhost');
    expect(isStanzaError(unsubscribed, 'service-unavailable')).toBe(true);
    expect(unknown.getChild('error')!.toString()).toBe(unsubscribed.getChild('error')!.toString());
  });

  it('answers the account identity to a subscribed contact and to the account itself', async () => {
    const carol = await harness.connect('carol');
    const toContact = await info(carol, 'alice@localhost');
    expect(toContact.getChild('query', NS.DISCO_INFO)?.getChild('identity')?.attrs).toMatchObject({ category: 'account', type: 'registered' });
    const alice = await harness.connect('alice');
    expect((await info(alice, 'alice@localhost')).attrs.type).toBe('result');
  });
});

describe('disco#items of a bare JID (XEP-0030 §8)', () => {
  it('is an empty result for an unknown and for an unsubscribed account alike', async () => {
    for (const to of ['alice@localhost', 'nobody@localhost']) {
      const reply = await items(bob, to);
      expect(reply.attrs.type).toBe('result');
      expect(reply.getChild('query', NS.DISCO_ITEMS)?.children).toEqual([]);
    }
  });
});
