// What the gadget shows for a contact (and for the user): one state out of the presence stanzas
// of all their resources. RFC 6121 §4.7 (show, status, priority) plus DeskChat's composed presence
// (design.md §3): the server publishes it from a server-owned resource carrying
// <composed xmlns='urn:deskchat:presence:0' reason='…'/>, and that one wins when present. Against
// a server without composition, the highest-priority available resource is shown (§4.7.2.3).
// DOM-free: the XMPP layer turns stanzas into `ResourcePresence` values.

export type PresenceState = 'available' | 'away' | 'phone' | 'meeting' | 'dnd' | 'offline';

/** RFC 6121 §4.7.2.1, plus 'available' for an available presence without <show/>. */
export type Show = 'chat' | 'available' | 'away' | 'xa' | 'dnd';

/** One resource's last presence. */
export interface ResourcePresence {
  resource: string;
  show: Show;
  status?: string;
  priority: number;
  /** The reason of DeskChat's <composed/> element: this resource carries the composed presence. */
  composedReason?: string;
}

export interface ContactPresence {
  state: PresenceState;
  /** The status text the contact (or the server, "On the phone") gave. */
  status?: string;
}

export const OFFLINE: ContactPresence = Object.freeze({ state: 'offline' });

const RANK: Record<Show, number> = { chat: 4, available: 3, away: 2, xa: 1, dnd: 0 };

function stateOf(show: Show, reason: string | undefined): PresenceState {
  if (show === 'dnd' || reason === 'manual-dnd') return 'dnd';
  if (reason === 'in-meeting') return 'meeting';
  if (reason === 'on-call') return 'phone';
  return show === 'away' || show === 'xa' ? 'away' : 'available';
}

/** The state to show for a set of available resources (none: offline). */
export function summarize(resources: Iterable<ResourcePresence>): ContactPresence {
  let best: ResourcePresence | undefined;
  for (const r of resources) {
    if (r.composedReason !== undefined) return withStatus(stateOf(r.show, r.composedReason), r.status);
    if (!best || r.priority > best.priority || (r.priority === best.priority && RANK[r.show] > RANK[best.show])) best = r;
  }
  return best ? withStatus(stateOf(best.show, undefined), best.status) : OFFLINE;
}

function withStatus(state: PresenceState, status: string | undefined): ContactPresence {
  return status ? { state, status } : { state };
}

/** True when messages cannot be sent: the contact is known to be signed out. */
export const isSignedOut = (presence: ContactPresence): boolean => presence.state === 'offline';

/**
 * Every contact's resources, keyed by bare JID. Also keeps which contacts were ever heard from, so
 * that "offline" (we were told) and "unknown" (no subscription) can be told apart.
 */
export class PresenceBook {
  private readonly byContact = new Map<string, Map<string, ResourcePresence>>();
  private readonly summaries = new Map<string, ContactPresence>();

  /** Records an available presence; returns true when the shown state changed. */
  available(bare: string, presence: ResourcePresence): boolean {
    const resources = this.byContact.get(bare) ?? new Map<string, ResourcePresence>();
    this.byContact.set(bare, resources);
    resources.set(presence.resource, presence);
    return this.refresh(bare);
  }

  /** Records an unavailable presence (RFC 6121 §4.5); a bare-JID one clears every resource. */
  unavailable(bare: string, resource: string | undefined): boolean {
    const resources = this.byContact.get(bare);
    if (resource === undefined || !resources) this.byContact.set(bare, new Map());
    else resources.delete(resource);
    return this.refresh(bare);
  }

  get(bare: string): ContactPresence {
    return this.summaries.get(bare) ?? OFFLINE;
  }

  /** Whether any presence (available or not) was received for the contact. */
  isKnown(bare: string): boolean {
    return this.byContact.has(bare);
  }

  forget(bare: string): void {
    this.byContact.delete(bare);
    this.summaries.delete(bare);
  }

  /** A JSON-able copy (kept in sessionStorage across a reload). */
  snapshot(): Record<string, ResourcePresence[]> {
    const out: Record<string, ResourcePresence[]> = {};
    for (const [bare, resources] of this.byContact) out[bare] = [...resources.values()];
    return out;
  }

  restore(snapshot: Record<string, ResourcePresence[]>): void {
    for (const [bare, list] of Object.entries(snapshot)) {
      this.byContact.set(bare, new Map(list.map((r) => [r.resource, r])));
      this.refresh(bare);
    }
  }

  private refresh(bare: string): boolean {
    const next = summarize(this.byContact.get(bare)?.values() ?? []);
    const prev = this.summaries.get(bare);
    this.summaries.set(bare, next);
    return !prev || prev.state !== next.state || prev.status !== next.status;
  }
}
