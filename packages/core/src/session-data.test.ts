import { describe, it, expect } from '@jest/globals';
import { SessionData } from './session-data.js';

describe('SessionData', () => {
  it('stores, reads and deletes values by key, as a Map', () => {
    const data = new SessionData();
    expect(data.get('csi')).toBeUndefined();
    expect(data.has('csi')).toBe(false);
    expect(data.delete('csi')).toBe(false);
    data.set('csi', { held: 1 }).set('pep', 2);
    expect(data.get('csi')).toEqual({ held: 1 });
    expect(data.has('pep')).toBe(true);
    expect(data.delete('csi')).toBe(true);
    expect(data.get('csi')).toBeUndefined();
    expect(data.get('pep')).toBe(2);
    expect(data.delete('pep')).toBe(true);
    expect(data.has('pep')).toBe(false);
    data.set('again', false);
    expect(data.has('again')).toBe(true);
    expect(data.get('again')).toBe(false);
  });
});
