import { describe, expect, it } from '@jest/globals';
import { archiveId, archiveNonce, archiveSeq, nextArchiveSeq } from './archive.js';

describe('archive ids', () => {
  const plain = (seq: number) => seq.toString(36).padStart(11, '0');
  const seqs = [0, 1, 35, 36, 2 ** 31 - 1, 2 ** 31, 36 ** 6 - 1, 36 ** 6, 36 ** 6 + 1, 2 ** 32 + 5, 1_700_000_000_000_000, Number.MAX_SAFE_INTEGER];

  it('write a sequence number as 11 base-36 digits, as toString(36) does', () => {
    for (const seq of seqs) expect(archiveId(seq)).toBe(plain(seq));
    let seq = nextArchiveSeq(Date.now(), 0);
    for (let i = 0; i < 10_000; i++, seq += 7919 * i) expect(archiveId(seq)).toBe(plain(seq));
  });

  it('sort like their sequence numbers and turn back into them', () => {
    const ids = seqs.map((seq) => archiveId(seq) + archiveNonce());
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(archiveSeq)).toEqual(seqs);
  });
});
