// XEP-0124 §17.2 terminal binding conditions and the deprecated HTTP codes of §17.1 sent instead of
// three of them to legacy clients (no `ver` in the session creation request). One registry, so that
// every rendering of a failure agrees (conventions §4).

export const TERMINAL_CONDITIONS = {
  'bad-request': { legacyHttp: 400 },
  'host-gone': {},
  'host-unknown': {},
  'improper-addressing': {},
  'internal-server-error': {},
  'item-not-found': { legacyHttp: 404 },
  'other-request': {},
  'policy-violation': { legacyHttp: 403 },
  'remote-connection-failed': {},
  'remote-stream-error': {},
  'see-other-uri': {},
  'system-shutdown': {},
  'undefined-condition': {},
} as const satisfies Record<string, { legacyHttp?: number }>;

export type TerminalCondition = keyof typeof TERMINAL_CONDITIONS;

/**
 * Stream errors that end a BOSH session with a terminal condition of their own instead of
 * remote-stream-error (XEP-0206 §5): shutdown, and the node's load limit (policy-violation, with
 * the stream error's text, so that every transport tells the user the same thing).
 */
export const STREAM_ERROR_TERMINATE: Partial<Record<string, TerminalCondition>> = {
  'system-shutdown': 'system-shutdown',
  'resource-constraint': 'policy-violation',
};

/** The HTTP status of a terminate response: 200, or the §17.1 code for a legacy client. */
export function terminateStatus(condition: TerminalCondition | undefined, isLegacy: boolean): number {
  if (!isLegacy || condition === undefined) return 200;
  const entry: { legacyHttp?: number } = TERMINAL_CONDITIONS[condition];
  return entry.legacyHttp ?? 200;
}

/** A request the connection manager refuses: ends the session (if any) with a terminal condition. */
export class BoshError extends Error {
  constructor(
    readonly condition: TerminalCondition,
    readonly text?: string,
    /** For see-other-uri (§17.2): where the client should continue. */
    readonly uri?: string,
  ) {
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'BoshError';
  }
}
