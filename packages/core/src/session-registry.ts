// The local session registry: bound sessions of this node by user and resource. The cluster's
// session directory (which node holds which full JID) is a separate, shared port.
import type { Session } from './session.js';

export class SessionRegistry {
  private readonly byUser = new Map<string, Map<string, Session>>();
  private count = 0;

  add(session: Session): void {
    const { local, resource } = session.jid!;
    let resources = this.byUser.get(local);
    if (!resources) this.byUser.set(local, (resources = new Map()));
    if (!resources.has(resource)) this.count++;
    resources.set(resource, session);
  }

  remove(session: Session): void {
    if (!session.jid) return;
    const { local, resource } = session.jid;
    const resources = this.byUser.get(local);
    if (resources?.get(resource) !== session) return; // already replaced by a newer session
    resources.delete(resource);
    this.count--;
    if (resources.size === 0) this.byUser.delete(local);
  }

  get(username: string, resource: string): Session | undefined {
    return this.byUser.get(username)?.get(resource);
  }

  forUser(username: string): Session[] {
    const resources = this.byUser.get(username);
    return resources ? [...resources.values()] : [];
  }

  get size(): number {
    return this.count;
  }

  all(): IterableIterator<Session> {
    return (function* (map) {
      for (const resources of map.values()) yield* resources.values();
    })(this.byUser);
  }
}
