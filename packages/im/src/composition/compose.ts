// Composed presence (design.md §3): every source folded into one presence. Pure functions.
// Precedence, highest first: a manual Do Not Disturb from any device → in a meeting (calendar) →
// on a call (phone) → the most available of the user's resources (chat > available > away > xa).
// Automatic sources never override a manual DND, and with no connected XMPP resource the user
// is unavailable whatever the phone or calendar say.

/** RFC 6121 §4.7.2.1 show values, plus 'available' for an available presence without <show/>. */
export type Show = 'chat' | 'available' | 'away' | 'xa' | 'dnd';

export interface ResourcePresence {
  resource: string;
  show: Show;
  status?: string;
  priority: number;
}

export type PhoneState = 'on-call' | 'idle';
export type CalendarState = 'in-meeting' | 'free';

export interface PresenceSources {
  /** The user's own connected, available XMPP resources (server-owned ones excluded). */
  resources: ResourcePresence[];
  phone?: PhoneState;
  calendar?: CalendarState;
}

export type ComposedReason = 'manual-dnd' | 'in-meeting' | 'on-call' | 'resources' | 'offline';

export interface ComposedPresence {
  isAvailable: boolean;
  show: Show;
  status?: string;
  /** Which rule produced the result (shown by the HTTP API and in logs). */
  reason: ComposedReason;
  /** The resource whose presence was used, when one was. */
  fromResource?: string;
}

/** Availability order used to pick the "most available" resource. */
const RANK: Record<Exclude<Show, 'dnd'>, number> = { chat: 4, available: 3, away: 2, xa: 1 };

export const PHONE_STATUS = 'On the phone';
export const MEETING_STATUS = 'In a meeting';

export function compose(sources: PresenceSources): ComposedPresence {
  const { resources } = sources;
  // 1. No connected XMPP resource: unavailable, whatever the phone says.
  if (resources.length === 0) return { isAvailable: false, show: 'xa', reason: 'offline' };
  // 2. A manual DND from any device wins; the most recent DND status text is the highest-priority one.
  const dnd = pickBy(resources.filter((r) => r.show === 'dnd'), () => 0);
  if (dnd) return { isAvailable: true, show: 'dnd', status: dnd.status, reason: 'manual-dnd', fromResource: dnd.resource };
  // 3. Calendar, then phone. Shown as away with a status text, the pattern IM&P's XCP core uses for
  // the phone (design.md §3), so that a manual DND stays distinguishable from an automatic state.
  if (sources.calendar === 'in-meeting') return { isAvailable: true, show: 'away', status: MEETING_STATUS, reason: 'in-meeting' };
  if (sources.phone === 'on-call') return { isAvailable: true, show: 'away', status: PHONE_STATUS, reason: 'on-call' };
  // 4. The most available resource; ties go to the higher priority.
  const best = pickBy(resources, (r) => RANK[r.show as Exclude<Show, 'dnd'>])!;
  return { isAvailable: true, show: best.show, status: best.status, reason: 'resources', fromResource: best.resource };
}

function pickBy(resources: ResourcePresence[], rank: (r: ResourcePresence) => number): ResourcePresence | undefined {
  let best: ResourcePresence | undefined;
  for (const r of resources) {
    if (!best || rank(r) > rank(best) || (rank(r) === rank(best) && r.priority > best.priority)) best = r;
  }
  return best;
}

export function sameComposed(a: ComposedPresence | undefined, b: ComposedPresence): boolean {
  return !!a && a.isAvailable === b.isAvailable && a.show === b.show && a.status === b.status;
}
