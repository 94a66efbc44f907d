// Values by user and resource, for the per-node tables that hold one entry per connected resource
// (local sessions, directory entries, available presence). Nearly every user has one resource, so
// a user's single value is stored as itself; a few resources are an array of the values (they carry
// their resource: a lookup is a short scan), and only past `SMALL` does a user get a Map. An inner
// Map per user cost ~180 bytes per signed-in session, and every user with composed presence has two
// available presences (the client's and the composed one): an array of two costs ~50.

/** Resources a user's array holds before it becomes a Map (sessions per user are limited anyway). */
const SMALL = 8;

type Slot<V> = V | V[] | Map<string, V>;

export class ResourceTable<V extends object> {
  private readonly byUser = new Map<string, Slot<V>>();

  /** @param resourceOf the resource a value belongs to (values carry it: a session's JID, an entry's field) */
  constructor(private readonly resourceOf: (value: V) => string) {}

  get(user: string, resource: string): V | undefined {
    const slot = this.byUser.get(user);
    if (slot === undefined) return undefined;
    if (slot instanceof Map) return slot.get(resource);
    if (Array.isArray(slot)) return slot.find((v) => this.resourceOf(v) === resource);
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
    if (Array.isArray(slot)) {
      const at = slot.findIndex((v) => this.resourceOf(v) === resource);
      if (at >= 0) {
        const previous = slot[at];
        slot[at] = value;
        return previous;
      }
      if (slot.length < SMALL) this.byUser.set(user, slot.concat(value)); // concat sizes the array exactly
      else this.byUser.set(user, new Map([...slot.map((v): [string, V] => [this.resourceOf(v), v]), [resource, value]]));
      return undefined;
    }
    if (this.resourceOf(slot) === resource) {
      this.byUser.set(user, value);
      return slot;
    }
    this.byUser.set(user, [slot, value]);
    return undefined;
  }

  /** Removes the value at (user, resource); returns it, if there was one. */
  delete(user: string, resource: string): V | undefined {
    const slot = this.byUser.get(user);
    if (slot === undefined) return undefined;
    if (slot instanceof Map) {
      const value = slot.get(resource);
      if (value === undefined) return undefined;
      slot.delete(resource);
      // Back to an array once few enough: the Map is only for users with many resources at once.
      if (slot.size <= SMALL) this.byUser.set(user, [...slot.values()]);
      return value;
    }
    if (Array.isArray(slot)) {
      const at = slot.findIndex((v) => this.resourceOf(v) === resource);
      if (at < 0) return undefined;
      const value = slot[at]!;
      const rest = slot.filter((_, i) => i !== at);
      this.byUser.set(user, rest.length === 1 ? rest[0]! : rest);
      return value;
    }
    if (this.resourceOf(slot) !== resource) return undefined;
    this.byUser.delete(user);
    return slot;
  }

  deleteUser(user: string): void {
    this.byUser.delete(user);
  }

  /** How many resources `user` has. */
  countOf(user: string): number {
    const slot = this.byUser.get(user);
    if (slot === undefined) return 0;
    if (slot instanceof Map) return slot.size;
    return Array.isArray(slot) ? slot.length : 1;
  }

  /** The user's values, in the order their resources were added (a new array). */
  valuesOf(user: string): V[] {
    const slot = this.byUser.get(user);
    if (slot === undefined) return [];
    if (slot instanceof Map) return [...slot.values()];
    return Array.isArray(slot) ? slot.slice() : [slot];
  }

  /** Every value of every user. */
  *values(): IterableIterator<V> {
    for (const slot of this.byUser.values()) {
      if (slot instanceof Map) yield* slot.values();
      else if (Array.isArray(slot)) yield* slot;
      else yield slot;
    }
  }
}
