// Builds @xmpp/xml (ltx) elements from tokenizer events (XML stays XML: conventions §13).
import { Element } from '@xmpp/xml';

export class ElementBuilder {
  private current: Element | undefined;

  /** Opens a child of the current element, or a new top-level element. */
  open(name: string, attrs: Record<string, string>): void {
    const el = new Element(name);
    // The tokenizer made a fresh object for this element; copying it (as the constructor does)
    // would lose an attribute named __proto__.
    el.attrs = attrs;
    if (this.current) this.current.cnode(el);
    this.current = el;
  }

  text(text: string): void {
    this.current?.t(text);
  }

  /** Closes the current element; returns it when it was a top-level one. */
  close(): Element | undefined {
    const el = this.current;
    if (!el) return undefined;
    this.current = el.parent ?? undefined;
    return el.parent ? undefined : el;
  }

  reset(): void {
    this.current = undefined;
  }
}
