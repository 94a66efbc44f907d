// Peer-to-peer transfers under the policy (issue #10): SI file-transfer offers (XEP-0095/0096) and
// Jingle file-transfer offers (XEP-0234) are routed between full JIDs like any stanza, but one whose
// stated name or size breaks the policy is bounced to the sender with the refusal (not-acceptable
// and a text; not-allowed while transfers are disabled) before the receiver sees it. In-band
// bytestreams (XEP-0047) pass with the normal stanza limits, and are held to the policy too: no
// stream opens while transfers are disabled, the first block is checked against the offered name
// by its magic bytes, and a stream stops at files.maxBytes. SOCKS5 negotiations (XEP-0065) are
// refused while transfers are disabled.
import type { Element } from '@xmpp/xml';
import { iqPayload, type JID } from '@deskchat/protocol';
import type { Module, StanzaEvent } from '@deskchat/core';
import { checkContent, checkOffer } from '../policy/check.js';
import { usePolicies } from '../policy/policy-module.js';
import { Refusal, formatBytes } from '../refusals.js';
import { OfferRegistry } from './offer-registry.js';
import { NS_BYTESTREAMS, NS_IBB, NS_JINGLE, NS_SI, readJingleOffers, readSiOffer, type OfferedStream } from './offer-readers.js';

export const PEER_OFFERS_SERVICE = 'peer-offers';
/** Runs before the delivery fallbacks and the IM modules, so a refused offer is never delivered. */
const PRIORITY = 50;
const MAX_IBB_STREAMS = 10_000;

export function peerOffersModule(): Module {
  return {
    name: 'file-offers',
    setup(api) {
      const policies = usePolicies(api);
      const offers = new OfferRegistry();
      api.provide(PEER_OFFERS_SERVICE, offers);
      /** Bytes seen per in-band stream (either direction: XEP-0047 streams are bidirectional). */
      const ibbBytes = new Map<string, number>();
      const ibbKey = (a: JID, b: JID, sid: string) => `${sid}\n${[a.toString(), b.toString()].sort().join('\n')}`;

      const judge = async (streams: OfferedStream[], from: JID, to: JID) => {
        const policy = await policies.current();
        for (const { file } of streams) {
          const refusal = checkOffer(policy, file);
          if (refusal) {
            api.log.info({ from: from.toString(), to: to.toString(), reason: refusal.text }, 'peer-to-peer file offer refused');
            void api.notify('files/refused', { code: refusal.code, at: 'offer' });
            throw refusal.toStanzaError();
          }
        }
        for (const { file, sids } of streams) for (const sid of sids) offers.remember(from.toString(), to.toString(), sid, file);
      };

      const refuseWhileDisabled = async () => {
        const refusal = checkOffer(await policies.current(), {});
        if (refusal) throw refusal.toStanzaError();
      };

      // XEP-0047 §2.2 data, in an IQ or a message: count it, check the first block's content.
      const onIbbData = async (data: Element, from: JID, to: JID) => {
        const sid = String(data.attrs.sid ?? '');
        const key = ibbKey(from, to, sid);
        const bytes = Buffer.from(data.getText(), 'base64');
        const before = ibbBytes.get(key) ?? 0;
        const total = before + bytes.length;
        const policy = await policies.current();
        let refusal = checkOffer(policy, {});
        if (!refusal && before === 0) {
          const name = offers.find(from.toString(), to.toString(), sid)?.name;
          refusal = checkContent(policy, name ?? 'the in-band stream', bytes);
        }
        if (!refusal && total > policy.maxBytes) {
          refusal = new Refusal('too-large', `the in-band stream passed ${formatBytes(policy.maxBytes)} (${policy.maxBytes} bytes, files.maxBytes) and was stopped`, { maxBytes: policy.maxBytes });
        }
        if (refusal) {
          ibbBytes.delete(key);
          void api.notify('files/refused', { code: refusal.code, at: 'ibb' });
          throw refusal.toStanzaError();
        }
        ibbBytes.delete(key);
        ibbBytes.set(key, total);
        while (ibbBytes.size > MAX_IBB_STREAMS) ibbBytes.delete(ibbBytes.keys().next().value!);
      };

      api.hook(
        'iq/full',
        async ({ stanza, from, to }: StanzaEvent) => {
          if (stanza.attrs.type !== 'set' || !from.local) return false;
          const payload = iqPayload(stanza);
          if (!payload) return false;
          switch (payload.attrs.xmlns) {
            case NS_SI: {
              const offer = readSiOffer(payload);
              if (offer) await judge([offer], from, to);
              break;
            }
            case NS_JINGLE: {
              const streams = readJingleOffers(payload);
              if (streams.length > 0) await judge(streams, from, to);
              break;
            }
            case NS_IBB:
              if (payload.name === 'open') {
                await refuseWhileDisabled();
                ibbBytes.set(ibbKey(from, to, String(payload.attrs.sid ?? '')), 0);
              } else if (payload.name === 'data') {
                await onIbbData(payload, from, to);
              } else if (payload.name === 'close') {
                ibbBytes.delete(ibbKey(from, to, String(payload.attrs.sid ?? '')));
              }
              break;
            case NS_BYTESTREAMS:
              if (payload.getChild('streamhost')) await refuseWhileDisabled();
              break;
          }
          return false;
        },
        PRIORITY,
      );

      // Not async: every routed message passes here, few carry IBB data.
      const onMessage = ({ stanza, from, to }: StanzaEvent): false | Promise<false> => {
        const data = stanza.getChild('data', NS_IBB);
        return data && from.local ? onIbbData(data, from, to).then(() => false) : false;
      };
      api.hook('message/full', onMessage, PRIORITY);
      api.hook('message/bare', onMessage, PRIORITY);
    },
  };
}
