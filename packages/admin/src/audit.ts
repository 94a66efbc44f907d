// Appends an entry to the audit log for the caller of this request (never a password or a token).
import type { Context } from 'koa';
import type { AuditEntry, AuditLog } from '@deskchat/core';
import type { Identity } from './auth/authenticate.js';

export type Change = Pick<AuditEntry, 'action' | 'target' | 'oldValue' | 'newValue'>;

export function recordChange(audit: AuditLog, ctx: Context, change: Change, now: () => number = Date.now): Promise<AuditEntry> {
  const actor = (ctx.state.identity as Identity | undefined)?.actor ?? 'anonymous';
  return audit.append({ at: now(), actor, ...change });
}
