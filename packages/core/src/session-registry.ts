// The local session registry: bound sessions of this node by user and resource. The cluster's
// session directory (which node holds which full JID) is a separate, shared port.
import { ResourceTable } from './resource-table.js';
import type { Session } from './session.js';

export class SessionRegistry {
  private readonly byUser = new ResourceTable<Session>((session) => session.jid!.resource);
  private count = 0;

  add(session: Session): void {
    if (!this.byUser.set(session.jid!.local, session)) this.count++;
  }

  remove(session: Session): void {
    if (!session.jid) return;
    const { local, resource } = session.jid;
    if (this.byUser.get(local, resource) !== session) return; // already replaced by a newer session
    this.byUser.delete(local, resource);
    this.count--;
  }

  get(username: string, resource: string): Session | undefined {
    return this.byUser.get(username, resource);
  }

  forUser(username: string): Session[] {
    return this.byUser.valuesOf(username);
  }

  get size(): number {
    return this.count;
  }

  all(): IterableIterator<Session> {
    return this.byUser.values();
  }
}
