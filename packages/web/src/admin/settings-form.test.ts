// Save / Revert semantics of the Desktop Chat Server Settings form.
import { describe, expect, it } from '@jest/globals';
import { SettingsForm } from './settings-form.js';

const saved = { primary: 'https://a.example/http-bind', secondary: '' };

describe('SettingsForm', () => {
  it('is dirty after an edit and clean again after Revert, which restores the saved values', () => {
    const form = new SettingsForm(saved);
    expect(form.isDirty).toBe(false);
    form.edit('primary', 'https://b.example/http-bind');
    expect(form.isDirty).toBe(true);
    expect(form.revert()).toEqual(saved);
    expect(form.edited).toEqual(saved);
    expect(form.isDirty).toBe(false);
  });

  it('makes the stored values the ones Revert restores after a save', () => {
    const form = new SettingsForm(saved);
    form.edit('secondary', 'https://c.example/http-bind');
    form.markSaved({ ...saved, secondary: 'https://c.example/http-bind' });
    form.edit('secondary', 'typo');
    expect(form.revert()).toEqual({ ...saved, secondary: 'https://c.example/http-bind' });
  });

  it('keeps the edits with their reasons after a refused save; Revert clears the reasons', () => {
    const form = new SettingsForm(saved);
    form.edit('primary', 'http://a.example/http-bind');
    form.refused({ primary: 'must use https' });
    expect(form.edited.primary).toBe('http://a.example/http-bind');
    expect(form.problems).toEqual({ primary: 'must use https' });
    expect(form.savedValues).toEqual(saved);
    form.revert();
    expect(form.problems).toEqual({});
  });
});
