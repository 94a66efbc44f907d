// Reading Redis persistence settings (Redis docs, "Redis persistence"): AOF, RDB, neither, and the
// INFO fallback for a Redis whose CONFIG command is disabled.
import { describe, expect, it } from '@jest/globals';
import { persistenceFromConfig, persistenceFromInfo } from './persistence.js';

describe('persistenceFromConfig', () => {
  it('reports AOF as persistent, with its fsync policy', () => {
    expect(persistenceFromConfig({ appendonly: 'yes', appendfsync: 'everysec', save: '' })).toEqual({
      isPersistent: true,
      isAofEnabled: true,
      aofFsync: 'everysec',
      rdbSchedule: '',
      source: 'config',
      summary: 'AOF on (appendfsync everysec), RDB snapshots off',
    });
  });

  it('reports RDB snapshots alone as persistent', () => {
    expect(persistenceFromConfig({ appendonly: 'no', appendfsync: 'everysec', save: '3600 1 300 100' })).toMatchObject({
      isPersistent: true,
      isAofEnabled: false,
      rdbSchedule: '3600 1 300 100',
      summary: 'AOF off, RDB snapshots "3600 1 300 100"',
    });
  });

  it('reports neither as not persistent (an empty or blank save schedule is off)', () => {
    expect(persistenceFromConfig({ appendonly: 'no', save: '' })).toMatchObject({ isPersistent: false });
    expect(persistenceFromConfig({ appendonly: 'no', save: ' ' })).toMatchObject({ isPersistent: false });
    expect(persistenceFromConfig({})).toMatchObject({ isPersistent: false, isAofEnabled: false });
  });
});

describe('persistenceFromInfo (CONFIG disabled)', () => {
  it('sees AOF in INFO persistence', () => {
    expect(persistenceFromInfo('# Persistence\r\nloading:0\r\naof_enabled:1\r\naof_rewrite_in_progress:0\r\n')).toMatchObject({ isPersistent: true, isAofEnabled: true, source: 'info' });
  });

  it('cannot tell without AOF, since INFO does not show the RDB schedule', () => {
    expect(persistenceFromInfo('# Persistence\r\naof_enabled:0\r\nrdb_changes_since_last_save:0\r\n')).toMatchObject({ isPersistent: undefined, isAofEnabled: false });
  });
});
