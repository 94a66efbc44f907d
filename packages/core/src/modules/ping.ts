// XEP-0199: the server answers pings addressed to it (or sent with no 'to').
import { NS } from '@deskchat/protocol';
import type { Module } from '../module-api.js';

export const pingModule: Module = {
  name: 'ping',
  setup(api) {
    api.discoFeature(NS.PING);
    api.iq(NS.PING, 'ping', { get: () => undefined });
  },
};
