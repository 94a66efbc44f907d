// Values by user and resource, for the per-node tables that hold one entry per connected resource
// (local sessions, directory entries, available presence). Nearly every user has one resource, so
// a user's single value is stored as itself and only a second resource makes a Map: an inner Map
// per user cost ~180 bytes per signed-in session, on nodes that hold tens of thousands of them.

export class ResourceTable<V extends object> {
  private readonly byUser = new Map<string, V | Map<string, V>>();

  /** @param resourceOf the resource a value belongs to (values carry it: a session's JID, an entry's field) */
  constructor(private readonly resourceOf: (value: V) => string) {}

  get(user: string, resource: string): V | undefined {
    const slot = this.byUser.get(user);
    if (slot === undefined) return undefined;
    if (slot instanceof Map) return slot.get(resource);
    return this.resourceOf(slot) === resource ? slot : undefined;
  }

  /** Stores `value` under its resource; returns the value it replaced, if any. */
  set(user: string, value: V): V | undefined {
    const resource = this.resourceOf(value);
    const slot = this.byUser.get(user);
    if (slot === undefined) {
      this.byUser.set(user, value);
      return undefined;
    }
    if (slot instanceof Map) {
      const previous = slot.get(resource);
      slot.set(resource, value);
      return previous;
    }
    if (this.resourceOf(slot) === resource) {
      this.byUser.set(user, value);
      return slot;
    }
    this.byUser.set(user, new Map([[this.resourceOf(slot), slot], [resource, value]]));
    return undefined;
  }

  /** Removes the value at (user, resource); returns it, if there was one. */
  delete(user: string, resource: string): V | undefined {
    const slot = this.byUser.get(user);
    if (slot === undefined) return undefined;
    if (!(slot instanceof Map)) {
      if (this.resourceOf(slot) !== resource) return undefined;
      this.byUser.delete(user);
      return slot;
    }
    const value = slot.get(resource);
    if (value === undefined) return undefined;
    slot.delete(resource);
    // Back to a single value: the Map is only for users with several resources at once.
    if (slot.size === 1) this.byUser.set(user, slot.values().next().value as V);
    return value;
  }

  deleteUser(user: string): void {
    this.byUser.delete(user);
  }

  /** How many resources `user` has. */
  countOf(user: string): number {
    const slot = this.byUser.get(user);
    if (slot === undefined) return 0;
    return slot instanceof Map ? slot.size : 1;
  }

  /** The user's values, in the order their resources were added (a new array). */
  valuesOf(user: string): V[] {
    const slot = this.byUser.get(user);
    if (slot === undefined) return [];
    return slot instanceof Map ? [...slot.values()] : [slot];
  }

  /** Every value of every user. */
  *values(): IterableIterator<V> {
    for (const slot of this.byUser.values()) {
      if (slot instanceof Map) yield* slot.values();
      else yield slot;
    }
  }
}
