// XEP-0092 software version. The operating system is hidden by default (it helps attackers more than users).
import os from 'node:os';
import xml from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import type { Module } from '../module-api.js';

export const versionModule: Module = {
  name: 'version',
  setup(api) {
    const { name, version, hideOs } = api.coreOptions.version;
    api.discoFeature(NS.VERSION);
    api.iq(NS.VERSION, 'query', {
      get: () =>
        xml(
          'query',
          { xmlns: NS.VERSION },
          xml('name', {}, name),
          xml('version', {}, version),
          ...(hideOs ? [] : [xml('os', {}, `${os.type()} ${os.release()}`)]),
        ),
    });
  },
};
