// The file modules a node loads, in load order (the policy first: the others use it).
import type { Module } from '@deskchat/core';
import type { FilesOptions } from './options.js';
import { filePolicyModule } from './policy/policy-module.js';
import { httpUploadModule } from './upload/upload-module.js';
import { peerOffersModule } from './p2p/peer-offers-module.js';
import { proxy65Module } from './proxy/proxy-module.js';

/** `publicUrl` is read whenever a URL is made: the HTTP port may be bound after the modules load. */
export function filesModules(options: FilesOptions, publicUrl: () => string): Module[] {
  return [
    filePolicyModule(options.policy),
    httpUploadModule({ expiryHours: options.expiryHours, slotSeconds: options.slotSeconds, downloadRequiresAuth: options.downloadRequiresAuth, publicUrl }),
    peerOffersModule(),
    proxy65Module(options.proxy),
  ];
}
