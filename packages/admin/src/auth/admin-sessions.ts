// Admin page sessions: a random id in an HttpOnly cookie, a CSRF token the page sends back in a
// header, an idle expiry and an absolute one. In memory on this node: a restart signs admins out
// (the admin port is per node and on loopback; a shared store can implement the same class shape
// with the cluster). Ids are kept as their SHA-256, so a heap dump does not hand out live cookies.
import { createHash, randomBytes } from 'node:crypto';

export interface AdminSession {
  name: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionTimeouts {
  /** Ends a session nobody used for this long. */
  idleMs: number;
  /** Ends every session this long after sign-in, used or not. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
const MAX_SESSIONS = 10_000;

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

export class AdminSessions {
  private readonly sessions = new Map<string, AdminSession>();

  constructor(
    private readonly timeouts: SessionTimeouts = DEFAULT_SESSION_TIMEOUTS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session (sign-in); returns the cookie value and the session. */
  create(name: string): { id: string; session: AdminSession } {
    const id = randomBytes(32).toString('base64url');
    const at = this.now();
    const session = { name, csrfToken: randomBytes(24).toString('base64url'), createdAt: at, lastSeenAt: at };
    if (this.sessions.size >= MAX_SESSIONS) this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session for a cookie value (its idle clock restarted), 'expired' when it timed out, undefined when unknown. */
  use(id: string): AdminSession | 'expired' | undefined {
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    const now = this.now();
    if (this.isExpired(session, now)) {
      this.sessions.delete(key);
      return 'expired';
    }
    session.lastSeenAt = now;
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(digest(id));
  }

  private isExpired(session: AdminSession, now: number): boolean {
    return now - session.lastSeenAt > this.timeouts.idleMs || now - session.createdAt > this.timeouts.absoluteMs;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (this.isExpired(session, now)) this.sessions.delete(key);
  }
}
