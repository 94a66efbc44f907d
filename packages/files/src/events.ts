// What the files package tells the rest of the node (core's hook bus, notify mode), for /metrics:
// each refusal of a transfer under the policy, by its code and where it was found, and each file
// stored. The server counts them (packages/server/src/metrics/node-metrics.ts).
import type { RefusalCode } from './refusals.js';

/** Where a refusal was found: a XEP-0363 slot request, the upload's bytes, a SI/Jingle offer, in-band data. */
export type RefusalPoint = 'slot' | 'upload' | 'offer' | 'ibb';

export interface FileRefused {
  code: RefusalCode;
  at: RefusalPoint;
}

export interface FileStored {
  bytes: number;
}

declare module '@deskchat/core' {
  interface HookEvents {
    /** Notify: a transfer was refused under the policy (the client got the error already). */
    'files/refused': { payload: FileRefused; result: void };
    /** Notify: an upload was stored whole. */
    'files/stored': { payload: FileStored; result: void };
  }
}
