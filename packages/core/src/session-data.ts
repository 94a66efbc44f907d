// Per-session data of modules, keyed by module. Most sessions never store any (blocking, CSI and
// PEP keep state only for clients that use them), so the Map is made on the first `set`: an empty
// Map is ~180 bytes on every session of a node that holds tens of thousands.

export class SessionData {
  private map?: Map<string, unknown>;

  get(key: string): unknown {
    return this.map?.get(key);
  }

  has(key: string): boolean {
    return this.map?.has(key) ?? false;
  }

  set(key: string, value: unknown): this {
    (this.map ??= new Map()).set(key, value);
    return this;
  }

  delete(key: string): boolean {
    const deleted = this.map?.delete(key) ?? false;
    if (this.map?.size === 0) this.map = undefined;
    return deleted;
  }
}
