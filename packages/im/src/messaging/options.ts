// Options of the message-delivery and offline modules: types, defaults and parsers that name the
// offending key (conventions §8). `now` is the clock, injected by tests; config never sets it.
import { checkInteger, OptionsError } from '@deskchat/core';

export interface MessageDeliveryOptions {
  /** Seconds without a message after which a conversation's resource lock lapses; 0 = never (see chat-locks.ts). */
  lockIdleSeconds: number;
  now: () => number;
}

export interface OfflineOptions {
  /** Messages kept per user (XEP-0160 §2 step 3: past it the sender gets service-unavailable). */
  maxMessagesPerUser: number;
  /** Seconds to wait for the ping after a flushed batch before keeping the messages for the next sign-in. */
  receiptTimeoutSeconds: number;
  /** UTF-8 bytes of a user's stored messages together; past it, the same service-unavailable. */
  maxBytesPerUser: number;
  /** The longest a live message waits for a flush to write the queue first (offline.ts); not in the config: a flush that takes this long is stuck. */
  holdLiveMessagesMs: number;
  now: () => number;
}

export const DEFAULT_MESSAGE_DELIVERY_OPTIONS: MessageDeliveryOptions = { lockIdleSeconds: 300, now: () => Date.now() };
export const DEFAULT_OFFLINE_OPTIONS: OfflineOptions = { maxMessagesPerUser: 1000, maxBytesPerUser: 16 * 1024 * 1024, receiptTimeoutSeconds: 30, holdLiveMessagesMs: 10_000, now: () => Date.now() };

type Input = Record<string, unknown> | undefined;

function keyOf(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function checkKnown(raw: Input, known: string[], prefix: string): Record<string, unknown> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new OptionsError(prefix || 'options', 'must be an object');
  for (const key of Object.keys(raw)) if (!known.includes(key)) throw new OptionsError(keyOf(prefix, key), 'unknown option');
  return raw;
}

export function parseMessageDeliveryOptions(raw: Input, prefix = ''): MessageDeliveryOptions {
  const r = checkKnown(raw, ['lockIdleSeconds'], prefix);
  const d = DEFAULT_MESSAGE_DELIVERY_OPTIONS;
  return {
    ...d,
    lockIdleSeconds: r.lockIdleSeconds === undefined ? d.lockIdleSeconds : checkInteger(keyOf(prefix, 'lockIdleSeconds'), r.lockIdleSeconds, 0, 86_400),
  };
}

export function parseOfflineOptions(raw: Input, prefix = ''): OfflineOptions {
  const r = checkKnown(raw, ['maxMessagesPerUser', 'maxBytesPerUser', 'receiptTimeoutSeconds'], prefix);
  const d = DEFAULT_OFFLINE_OPTIONS;
  return {
    ...d,
    maxBytesPerUser: r.maxBytesPerUser === undefined ? d.maxBytesPerUser : checkInteger(keyOf(prefix, 'maxBytesPerUser'), r.maxBytesPerUser, 1024, 1024 * 1024 * 1024),
    receiptTimeoutSeconds:
      r.receiptTimeoutSeconds === undefined ? d.receiptTimeoutSeconds : checkInteger(keyOf(prefix, 'receiptTimeoutSeconds'), r.receiptTimeoutSeconds, 1, 600),
    maxMessagesPerUser:
      r.maxMessagesPerUser === undefined ? d.maxMessagesPerUser : checkInteger(keyOf(prefix, 'maxMessagesPerUser'), r.maxMessagesPerUser, 0, 1_000_000),
  };
}
