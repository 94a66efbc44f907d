// XEP-0065 SOCKS5 Bytestreams over XMPP: the proxy `domain/proxy65` in the domain's disco#items
// (§4, identity proxy/bytestreams), its network address on request (§6.3.1, the `streamhost`), and
// activation (§6.3.3) of only the two parties of a negotiation this node routed (the requester's
// streamhost offer to the target naming this proxy), under the policy: not while transfers are
// disabled, each direction capped at files.maxBytes, the first bytes checked against the name the
// SI or Jingle offer stated. The net.Server itself is the server package's to listen on.
import xml from '@xmpp/xml';
import { NS, StanzaError, iqPayload, parseJid } from '@deskchat/protocol';
import type { Module } from '@deskchat/core';
import { checkContent, checkOffer } from '../policy/check.js';
import { usePolicies } from '../policy/policy-module.js';
import type { ProxyOptions } from '../options.js';
import { OfferRegistry } from '../p2p/offer-registry.js';
import { NS_BYTESTREAMS } from '../p2p/offer-readers.js';
import { PEER_OFFERS_SERVICE } from '../p2p/peer-offers-module.js';
import { Socks5Proxy, streamHash } from './socks5-proxy.js';

export const PROXY_SERVICE = 'socks5-proxy';
export const PROXY_RESOURCE = 'proxy65';
const WILDCARDS = new Set(['::', '0.0.0.0', '']);

export function proxy65Module(options: ProxyOptions): Module {
  return {
    name: 'socks5-proxy',
    setup(api) {
      const policies = usePolicies(api);
      const proxy = new Socks5Proxy({ idleSeconds: options.idleSeconds, maxStreams: options.maxStreams, bytesPerSecond: options.bytesPerSecond, log: api.log });
      api.provide(PROXY_SERVICE, proxy);
      api.onUnload(() => void proxy.close());
      const jid = `${api.domain}/${PROXY_RESOURCE}`;
      /** Negotiations naming this proxy: requester, target, sid (XEP-0065 §5.3.1). */
      const negotiated = new OfferRegistry();
      const offers = () => api.use<OfferRegistry>(PEER_OFFERS_SERVICE);
      const host = options.publicHost ?? (WILDCARDS.has(options.host) ? api.domain : options.host);

      api.discoService(PROXY_RESOURCE, 'SOCKS5 Bytestreams Service', () => ({
        identities: [{ category: 'proxy', type: 'bytestreams', name: 'SOCKS5 Bytestreams Service' }],
        features: [NS_BYTESTREAMS, NS.DISCO_INFO],
      }));

      api.iq(NS_BYTESTREAMS, 'query', {
        // §6.3.1: the proxy's network address.
        async get({ from }) {
          const refusal = checkOffer(await policies.current(), {});
          if (refusal) throw refusal.toStanzaError();
          if (!from.local) throw new StanzaError('forbidden', 'only users of this server may use its proxy');
          return xml('query', { xmlns: NS_BYTESTREAMS }, xml('streamhost', { jid, host, port: String(proxy.port || options.port) }));
        },
        // §6.3.3: activation, by the requester.
        async set({ payload, from }) {
          const policy = await policies.current();
          const refusal = checkOffer(policy, {});
          if (refusal) throw refusal.toStanzaError();
          const sid = payload.attrs.sid;
          const target = payload.getChildText('activate')?.trim();
          if (!sid || !target || !parseJid(target)?.resource) throw new StanzaError('bad-request', 'activation needs a sid and the target\'s full JID in <activate/> (XEP-0065 §6.3.3)');
          const requester = from.toString();
          if (!negotiated.find(requester, target, sid)) {
            throw new StanzaError('not-allowed', 'no bytestream negotiation from you to this target naming this proxy was seen (XEP-0065 §6.3.3)');
          }
          const name = offers()?.find(requester, target, sid)?.name;
          const result = proxy.activate(streamHash(sid, requester, target), {
            maxBytes: policy.maxBytes,
            checkHead: (head) => checkContent(policy, name ?? 'the bytestream', head),
          });
          if (result === 'not-connected') throw new StanzaError('item-not-found', 'both parties must connect to the proxy before activation (XEP-0065 §6.3.2)');
          if (result === 'already-active') throw new StanzaError('conflict', 'this bytestream is already active');
          negotiated.forget(requester, target, sid);
          return undefined;
        },
      });

      // §5.3.1: the requester offers streamhosts to the target; remember those naming this proxy.
      api.hook(
        'iq/full',
        ({ stanza, from, to }) => {
          const payload = stanza.attrs.type === 'set' ? iqPayload(stanza) : undefined;
          if (payload?.name !== 'query' || payload.attrs.xmlns !== NS_BYTESTREAMS || !payload.attrs.sid) return false;
          if (payload.getChildren('streamhost').some((s) => s.attrs.jid === jid)) negotiated.remember(from.toString(), to.toString(), String(payload.attrs.sid), {});
          return false;
        },
        40,
      );
    },
  };
}
