// flatString frees the concatenation tree of a kept string: the heap it takes to keep many
// serialised stanzas, measured after a full collection, with and without it.
import { describe, it, expect } from '@jest/globals';
import v8 from 'node:v8';
import vm from 'node:vm';
import { flatString, ownString } from './flat-string.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** A stanza as a serialiser writes it: piece by piece, so V8 keeps it as a tree of pieces. */
function serialised(i: number): string {
  let s = '<presence xmlns="jabber:client"';
  for (const [name, value] of [['from', `u${i}@localhost/desk`], ['id', `p${i}`], ['xml:lang', 'en']]) s += ` ${name}="${value}"`;
  s += '><show>away</show><status>';
  for (const word of ['In', 'a', 'meeting', 'until', 'ten', String(i)]) s += `${word} `;
  return `${s}</status><priority>${i % 10}</priority></presence>`;
}

/** Heap taken by keeping `count` strings made by `make`, each passed through `keep`. */
function heapToKeep(count: number, keep: (s: string) => string, make: (i: number) => string = serialised): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: count }, (_, i) => keep(make(i)));
  gc();
  const used = process.memoryUsage().heapUsed - before;
  expect(kept[count - 1]).toBe(make(count - 1));
  return used;
}

describe('flatString', () => {
  it('returns the same string', () => {
    expect(flatString(serialised(7))).toBe(serialised(7));
    expect(flatString('')).toBe('');
  });

  it('keeps a serialised stanza in much less heap than its concatenation tree', () => {
    const count = 20_000;
    const asBuilt = heapToKeep(count, (s) => s);
    const flattened = heapToKeep(count, flatString);
    // The tree is ~20 pieces of 32 bytes each beside the text: flat is well under two thirds of it.
    expect(flattened).toBeLessThan(asBuilt * 0.66);
  });
});

describe('ownString', () => {
  /** An attribute value cut from a request body, as a parser cuts it: a view of the body in V8. */
  function valueOf(i: number): string {
    const body = `<body content='text/xml; charset=utf-8; n=${i}' rid='${i}'>${'x'.repeat(2000)}</body>`;
    return body.slice(body.indexOf("'") + 1, body.indexOf("' rid"));
  }

  it('returns an equal string, short ones as they are', () => {
    expect(ownString(valueOf(3))).toBe('text/xml; charset=utf-8; n=3');
    expect(ownString('en')).toBe('en');
    const text = 'Grüße aus 東京 🙂, a longer value';
    expect(ownString(text)).toBe(text);
  });

  it('keeps a value without the text it was cut from', () => {
    const views = heapToKeep(5_000, (s) => s, valueOf);
    const owned = heapToKeep(5_000, ownString, valueOf);
    // Each view keeps its ~2 KB body; an owned copy is its ~30 characters.
    expect(owned).toBeLessThan(views * 0.1);
  });
});
