// RFC 6120 §6.3.3: the default mechanisms, strongest first.
import { describe, it, expect } from '@jest/globals';
import { defaultMechanisms } from './index.js';

describe('defaultMechanisms', () => {
  it('prefers SCRAM-SHA-256, then SCRAM-SHA-1, then PLAIN (RFC 6120 §6.3.3, RFC 7677 §1)', () => {
    expect(defaultMechanisms().map((m) => m.name)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  });
});
