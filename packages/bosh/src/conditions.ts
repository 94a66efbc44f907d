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
  ) {
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'BoshError';
  }
}
