// The `sm` section of the configuration (XEP-0198): type and defaults (the parser, which names the
// key, is parse-sm-options.ts), and the clock the timers run on (injected by tests, so that none
// sleeps). No imports: options.ts reads the defaults while it loads.

export interface SmOptions {
  /** Offer stream management on TCP and WebSocket streams (never on BOSH, which has its own acks). */
  enabled: boolean;
  /** Seconds a broken stream stays resumable (`<enabled max/>`) when the client asks for no other value. */
  resumptionTimeout: number;
  /** The most a client may ask for with `<enable max/>`. */
  maxResumptionTimeout: number;
  /** Seconds an unacknowledged stanza waits at most before the server asks for an ack with `<r/>`. */
  ackRequestInterval: number;
  /** Stanzas sent since the last `<r/>` after which the server asks at once (the end of a burst). */
  ackRequestBurst: number;
}

export const DEFAULT_SM_OPTIONS: SmOptions = {
  enabled: true,
  resumptionTimeout: 300,
  maxResumptionTimeout: 600,
  ackRequestInterval: 5,
  ackRequestBurst: 5,
};

/** Timers and time for stream management (hibernation, ack requests); `systemClock` in production. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
