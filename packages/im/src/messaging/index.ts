// Message delivery for IM: IM&P forking with resource locks, XEP-0280 carbons, XEP-0160 offline
// storage, XEP-0085 chat states relayed. See README.md in this folder for the design choices.
import type { Module } from '@deskchat/core';
import { carbonsModule } from './carbons.js';
import { messageDeliveryModule } from './delivery.js';
import { offlineModule } from './offline.js';

export type { RoutedMessage } from './events.js';
export { carbonsModule } from './carbons.js';
export { messageDeliveryModule } from './delivery.js';
export { offlineModule } from './offline.js';
export { ChatLocks } from './chat-locks.js';
export { MESSAGING_NS } from './namespaces.js';
export {
  DEFAULT_MESSAGE_DELIVERY_OPTIONS,
  DEFAULT_OFFLINE_OPTIONS,
  parseMessageDeliveryOptions,
  parseOfflineOptions,
  type MessageDeliveryOptions,
  type OfflineOptions,
} from './options.js';

/** The message-delivery modules, in load order. */
export const messagingModules: Module<any>[] = [messageDeliveryModule, carbonsModule, offlineModule];
