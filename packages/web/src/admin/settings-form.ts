// Save / Revert for a settings form, without the DOM (Cisco Finesse's Desktop Chat Server Settings:
// Save stores the edited values; Revert discards unsaved edits and shows the most recently saved
// values). The page binds inputs to `edited` and asks `isDirty` to enable the buttons.

export class SettingsForm<T extends Record<string, string>> {
  private saved: T;
  edited: T;
  /** Reasons per field from the last failed save (cleared by a successful save or a revert). */
  problems: Partial<Record<keyof T, string>> = {};

  constructor(saved: T) {
    this.saved = { ...saved };
    this.edited = { ...saved };
  }

  get savedValues(): T {
    return { ...this.saved };
  }

  get isDirty(): boolean {
    return Object.keys(this.saved).some((k) => this.saved[k] !== this.edited[k]);
  }

  edit(field: keyof T, value: string): void {
    this.edited = { ...this.edited, [field]: value };
  }

  /** Revert: the most recently saved values again. */
  revert(): T {
    this.edited = { ...this.saved };
    this.problems = {};
    return this.savedValues;
  }

  /** After the server stored `values` (possibly normalised). */
  markSaved(values: T): void {
    this.saved = { ...values };
    this.edited = { ...values };
    this.problems = {};
  }

  /** After the server refused the save: the edits stay, with the reasons. */
  refused(problems: Partial<Record<keyof T, string>>): void {
    this.problems = { ...problems };
  }
}
