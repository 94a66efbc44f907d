// What a BOSH session creation request settled (XEP-0124 §7.2), limits already clamped, and how
// the creation response announces it (XEP-0124 §7.2, §9.1; XEP-0206 §3).
import { renderAttrs } from './body-writer.js';
import { XBOSH_NS } from './constants.js';
import type { KeySequence } from './key-sequence.js';

export interface BoshSessionParams {
  sid: string;
  firstRid: number;
  /** Seconds. */
  wait: number;
  hold: number;
  requests: number;
  inactivity: number;
  polling: number;
  maxPause: number;
  /** The negotiated `ver`, or undefined for a legacy client (HTTP error codes, §17.1). */
  ver?: string;
  contentType: string;
  isAckEnabled: boolean;
  keys?: KeySequence;
  isSecure: boolean;
  remoteAddress: string;
}

/** The attributes of the session creation response. */
export function creationAttrs(p: BoshSessionParams, domain: string, authid: string): string {
  return renderAttrs({
    sid: p.sid,
    wait: p.wait,
    requests: p.requests,
    hold: p.hold,
    inactivity: p.inactivity,
    polling: p.polling,
    maxpause: p.maxPause > 0 ? p.maxPause : undefined,
    ver: p.ver,
    from: domain,
    authid,
    ack: p.isAckEnabled ? p.firstRid : undefined,
    'xmpp:version': '1.0',
    'xmpp:restartlogic': 'true',
    'xmlns:xmpp': XBOSH_NS,
  });
}
