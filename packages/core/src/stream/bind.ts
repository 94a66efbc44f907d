// RFC 6120 §7: resource binding, with server-generated and client-chosen resources, the
// sessions-per-user limit (§7.6.2.1) and the conflict rule for a resource already in use (§7.7.2.2).
// Also answers the obsolete RFC 3921 session establishment that some clients still send.
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, StreamError, JID, iqResult, prepareResourcepart } from '@deskchat/protocol';
import type { Session } from '../session.js';

/** Returns true when `iq` was a bind (or session) request and has been answered. */
export async function handleBind(session: Session, iq: Element): Promise<boolean> {
  const bind = iq.getChild('bind', NS.BIND);
  if (!bind || iq.attrs.type !== 'set') return false;
  try {
    const jid = await bindResource(session, readResource(bind));
    session.transport.send(iqResult(iq, xml('bind', { xmlns: NS.BIND }, xml('jid', {}, jid.toString()))));
  } catch (err) {
    if (!(err instanceof StanzaError)) throw err;
    session.replyError(iq, err);
  }
  return true;
}

/** A resource the client asked for, or undefined to have one generated (RFC 6120 §7.6, §7.7). */
function readResource(bind: Element): string | undefined {
  const el = bind.getChild('resource');
  if (!el) return undefined;
  const text = el.getText();
  if (text.trim() === '') return undefined; // RFC 6120 §7.6: an empty resource asks for a generated one
  // RFC 7622 §3.4: the PRECIS OpaqueString profile (look-alikes such as U+200B or U+202E are refused).
  const resource = prepareResourcepart(text);
  if (resource === undefined) throw new StanzaError('bad-request', 'resource is not a valid resourcepart (RFC 7622 §3.4, RFC 8265 §4.2)');
  return resource;
}

/**
 * RFC 6120 §7.6–7.7 across the cluster: the session directory registers the resource atomically
 * with the sessions-per-user limit and the conflict rule; a replaced holder (on this node or
 * another) is closed with `conflict`.
 */
async function bindResource(session: Session, requested: string | undefined): Promise<JID> {
  const { core } = session;
  const username = session.username!;
  const resource = requested ?? randomBytes(6).toString('hex');
  if (core.reservedResources.has(resource)) throw new StanzaError('not-allowed', `resource '${resource}' is reserved by the server (RFC 6120 §7.7.2.1)`);
  const result = await core.directory.register(
    { username, resource, sessionId: session.id, node: core.node, transport: session.transport.kind, isAvailable: false, priority: 0, carbons: false, interested: false, boundAt: Date.now() },
    { maxPerUser: core.options.limits.sessionsPerUser, onConflict: core.options.resourceConflict },
  );
  if (result.status === 'conflict') throw new StanzaError('conflict', 'resource is in use (RFC 6120 §7.7.2.2)');
  if (result.status === 'limit') throw new StanzaError('resource-constraint', `at most ${core.options.limits.sessionsPerUser} sessions per user`, { type: 'wait' });
  if (session.state === 'closed') {
    // The stream ended while the directory answered: leave nothing behind for it.
    await core.directory.unregister(username, resource, session.id);
    throw new StanzaError('resource-constraint', 'the stream closed during binding');
  }
  // The newer session wins; the old one is told why.
  if (result.replaced) await core.closeSession(result.replaced, new StreamError('conflict', 'replaced by a new connection with the same resource'));
  const jid = new JID(username, core.domain, resource);
  session.onBound(jid);
  core.sessions.add(session);
  await core.hooks.notify('session/bound', { session });
  return jid;
}
