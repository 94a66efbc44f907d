// The one failure every storage port may raise besides a bug: the backing store cannot be reached
// right now (Redis down, restarting or failing over; issue 8 §8). It lives in core so that callers
// (session, modules, admin) can map it without knowing the backend: a stream being opened gets
// `internal-server-error` with this text, an IQ gets `internal-server-error` (RFC 6120 §8.3.3.6:
// "wait" — retry later), the admin API answers 503. The operation may or may not have happened when
// the store stopped answering after the request was sent; callers must not assume either.

export class StoreUnavailableError extends Error {
  /** RFC 6120 §4.9.3.6 / §8.3.3.6 condition callers render it as. */
  readonly condition = 'internal-server-error' as const;
  /** RFC 6120 §8.3.2 error type for an IQ: the same request may succeed later. */
  readonly type = 'wait' as const;
  readonly http = 503;
  /** Which backend failed (`redis`), for logs and metrics. */
  readonly backend: string;

  constructor(backend: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
    this.backend = backend;
  }

  /** What a client is told; never the backend's address or error text. */
  get text(): string {
    return 'the server cannot reach its data store right now; try again shortly';
  }
}

export function isStoreUnavailable(err: unknown): err is StoreUnavailableError {
  return err instanceof StoreUnavailableError;
}
