// What the XEP-0133 commands and XEP-0077 registration need from the server: the account and
// session operations the CLI and the admin API run (server/src/users/), handed in by the server so
// that this package never imports it. Every method works cluster-wide.
import type { StreamError } from '@deskchat/protocol';

export interface OnlineSession {
  username: string;
  resource: string;
}

export interface AccountAdministration {
  /**
   * Creates the account with SCRAM keys, by the CLI's rules; returns the normalised username.
   * Throws StanzaError: conflict (the name is taken), not-acceptable (bad username or weak password).
   */
  add(username: string, password: string, details?: { name?: string; email?: string }): Promise<string>;
  /** Removes the account and all the user's data, as `deskchat user remove` does; false when there was none. */
  remove(username: string): Promise<boolean>;
  /** New SCRAM keys; false when there is no such account. Throws StanzaError not-acceptable for a weak password. */
  setPassword(username: string, password: string): Promise<boolean>;
  exists(username: string): Promise<boolean>;
  count(): Promise<number>;
  /** Every bound session on every node (the session directory). */
  onlineSessions(): Promise<OnlineSession[]>;
  /** Ends the user's sessions wherever they are (one resource, or all); returns how many. */
  endSessions(username: string, resource: string | undefined, error: StreamError): Promise<number>;
}
