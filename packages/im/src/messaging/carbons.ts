// XEP-0280 Message Carbons: enabling and disabling per session (§4–5, §10.1), disco (§3), and
// copies of every eligible message (§6) a user receives (<received/>, §7) or sends (<sent/>, §8)
// to the user's other carbons-enabled available resources, wrapped in XEP-0297 <forwarded/>.
//
// No duplicates with forking: a copy goes only to resources that did not get the original
// ('message/routed' names the recipients), so a bare-JID chat forked to every device yields no
// <received/> carbon at all, and one locked to a device yields carbons for the others. For a
// message between two resources of the same user, each other resource gets one <sent/> copy.
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, withAttrs, type JID } from '@deskchat/protocol';
import type { Module, Resource, Session } from '@deskchat/core';
import './events.js';
import { isCarbonEligible } from './message-rules.js';
import { MESSAGING_NS } from './namespaces.js';

function carbon(direction: 'received' | 'sent', original: Element, to: JID): Element {
  const attrs: Record<string, string> = { from: to.bare().toString(), to: to.toString() };
  // §7–8: the wrapper SHOULD keep the original's type; 'from' MUST be the user's bare JID.
  if (original.attrs.type) attrs.type = original.attrs.type;
  // XEP-0297 §3: the forwarded stanza is qualified by jabber:client. A shallow copy, so that the
  // original keeps its place (and parent) in the stanzas delivered to the recipients.
  const inner = withAttrs(original, { xmlns: NS.CLIENT });
  return xml('message', attrs, xml(direction, { xmlns: MESSAGING_NS.CARBONS }, xml('forwarded', { xmlns: MESSAGING_NS.FORWARD }, inner)));
}

export const carbonsModule: Module = {
  name: 'carbons',
  setup(api) {
    const { router } = api;
    api.discoFeature(MESSAGING_NS.CARBONS);

    // §4–5: an IQ-set from the client's own stream (no 'to', its bare JID, or the server).
    // §10.1: repeated enables or disables are not errors. The flag lives in the session directory,
    // so that a copy is made whichever node routes the message.
    const toggle = (enabled: boolean) => ({
      set: async ({ origin }: { origin?: Session }) => {
        if (!origin) throw new StanzaError('not-allowed', 'carbons are enabled by a client of this server (XEP-0280 §4.1)');
        await origin.setFlags({ carbons: enabled });
      },
    });
    api.iq(MESSAGING_NS.CARBONS, 'enable', toggle(true));
    api.iq(MESSAGING_NS.CARBONS, 'disable', toggle(false));

    /** Resources that take carbons, but none of `except` (JIDs as strings, only made when some resource takes carbons). */
    const enabledResources = (resources: Resource[], except: () => Set<string>) => {
      const enabled = resources.filter((r) => r.carbons && r.isAvailable);
      if (enabled.length === 0) return enabled; // the common case: no Sets, no JID strings
      const skip = except();
      return enabled.filter((r) => !skip.has(r.jid.toString()));
    };

    api.hook('message/routed', async ({ stanza, to, origin, recipients, recipientResources }) => {
      if (!isCarbonEligible(stanza)) return;
      const skip = () => new Set(recipients.map((jid) => jid.toString()));
      const sender = origin?.jid;
      const copies: Promise<boolean>[] = [];
      if (sender) {
        // §8: to the sender's other resources, whether or not the sending client enabled carbons.
        const others = enabledResources(await router.resourcesOf(sender.local, { mayBeCached: true }), () => skip().add(sender.toString()));
        for (const r of others) copies.push(router.deliver(r.jid, carbon('sent', stanza, r.jid)));
      }
      // §7: to the recipient's resources that did not get the original. None when nobody got it
      // (stored offline: the copy would arrive again with the offline flush; or bounced). A user
      // writing to themselves already had the <sent/> copies above.
      if (recipients.length > 0 && to.local && to.local !== sender?.local) {
        for (const r of enabledResources(recipientResources ?? (await router.resourcesOf(to.local, { mayBeCached: true })), skip)) copies.push(router.deliver(r.jid, carbon('received', stanza, r.jid)));
      }
      await Promise.all(copies);
    });
  },
};
