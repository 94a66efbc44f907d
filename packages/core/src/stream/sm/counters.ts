// XEP-0198 §4: sequence numbers. Each side counts the stanzas it sent and the stanzas it handled,
// from zero at <enable/>/<enabled/>; 'h' is an xs:unsignedInt that wraps from 2^32 − 1 back to 0.
// Pure functions, so that the wrap is tested once (counters.test.ts).

/** 2^32: counters are taken modulo this. */
export const SEQ_MODULUS = 2 ** 32;

/** The next sequence number (2^32 − 1 → 0). */
export function nextSeq(n: number): number {
  return n === SEQ_MODULUS - 1 ? 0 : n + 1;
}

/** How far `later` is ahead of `earlier`, modulo 2^32 (0..2^32 − 1). */
export function seqDistance(later: number, earlier: number): number {
  return (((later - earlier) % SEQ_MODULUS) + SEQ_MODULUS) % SEQ_MODULUS;
}

/** `n` advanced by `count` stanzas, modulo 2^32. */
export function seqAdd(n: number, count: number): number {
  return (n + count) % SEQ_MODULUS;
}

/** Reads an 'h' attribute: decimal digits only, 0..2^32 − 1 (xs:unsignedInt); undefined otherwise. */
export function parseSeq(text: string | undefined): number | undefined {
  if (text === undefined || !/^\+?[0-9]{1,10}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return n < SEQ_MODULUS ? n : undefined;
}
