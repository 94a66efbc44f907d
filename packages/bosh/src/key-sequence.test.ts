// XEP-0124 §15 key sequencing: K(n) = hex(SHA-1(K(n-1))), used from K(n-1) down to K(1).
import { describe, it, expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { KeySequence } from './key-sequence.js';

/** K(1)..K(n) from a seed (§15.3). */
function keys(seed: string, n: number): string[] {
  const out = [createHash('sha1').update(seed).digest('hex')];
  while (out.length < n) out.push(createHash('sha1').update(out.at(-1)!).digest('hex'));
  return out;
}

describe('KeySequence (XEP-0124 §15)', () => {
  const k = keys('seed', 5); // k[0] = K(1) … k[4] = K(5)

  it('accepts K(n-1), K(n-2), … after a creation request with newkey K(n) (§15.4)', () => {
    const seq = new KeySequence(k[4]);
    expect([k[3], k[2], k[1]].map((key) => seq.accept(key, undefined))).toEqual([true, true, true]);
  });

  it('refuses a key that does not hash to the previous one (§15.4)', () => {
    const seq = new KeySequence(k[4]);
    expect(seq.accept(k[2], undefined)).toBe(false);
  });

  it('refuses a request without a key once keys are in use (§15.4)', () => {
    expect(new KeySequence(k[4]).accept(undefined, undefined)).toBe(false);
  });

  it('refuses the same key twice (a replayed request)', () => {
    const seq = new KeySequence(k[4]);
    expect(seq.accept(k[3], undefined)).toBe(true);
    expect(seq.accept(k[3], undefined)).toBe(false);
  });

  it('switches to a new sequence: key K(1) of the old one with newkey K(n) of the new (§15.5)', () => {
    const fresh = keys('another seed', 3);
    const seq = new KeySequence(k[1]);
    expect(seq.accept(k[0], fresh[2])).toBe(true);
    expect(seq.accept(fresh[1], undefined)).toBe(true);
  });

  it('compares hex without regard to case', () => {
    const seq = new KeySequence(k[4].toUpperCase());
    expect(seq.accept(k[3], undefined)).toBe(true);
  });
});
