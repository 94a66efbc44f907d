// The muc.* config section: defaults, and errors that name the key (conventions §8).
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_MUC_OPTIONS, parseMucOptions } from './options.js';

describe('parseMucOptions', () => {
  it('gives the defaults for an absent section', () => {
    const { now, ...rest } = parseMucOptions(undefined);
    const { now: _now, ...defaults } = DEFAULT_MUC_OPTIONS;
    expect(rest).toEqual(defaults);
    expect(rest).toMatchObject({ enabled: true, subdomain: 'conference', creators: 'anyone', defaultHistoryLength: 20 });
    expect(typeof now).toBe('function');
  });

  it('reads every key, lists of admins given as YAML lists or comma-separated environment values', () => {
    const options = parseMucOptions({ enabled: 'false', subdomain: 'Rooms', creators: 'admins', admins: 'Boss@Example.com, ops@example.com', maxRooms: 5, maxOccupants: '50', defaultMaxOccupants: 20, defaultHistoryLength: 0, maxHistoryLength: 10, allowPersistentRooms: true, defaultPersistent: true, defaultPublic: false });
    expect(options).toMatchObject({ enabled: false, subdomain: 'rooms', creators: 'admins', admins: ['boss@example.com', 'ops@example.com'], maxRooms: 5, maxOccupants: 50, defaultMaxOccupants: 20, defaultHistoryLength: 0, maxHistoryLength: 10, defaultPersistent: true, defaultPublic: false });
  });

  it.each([
    [{ colour: 'red' }, 'muc.colour: unknown option'],
    [{ subdomain: 'a.b' }, 'muc.subdomain: must be one DNS label'],
    [{ creators: 'everyone' }, 'muc.creators: must be anyone or admins'],
    [{ admins: ['not a jid'] }, 'muc.admins[0]: must be a bare JID'],
    [{ admins: ['a@b/c'] }, 'muc.admins[0]: must be a bare JID'],
    [{ maxOccupants: 0 }, 'muc.maxOccupants: must be an integer 1..100000'],
    [{ defaultMaxOccupants: 600 }, 'muc.defaultMaxOccupants: must not exceed maxOccupants (500)'],
    [{ defaultHistoryLength: 300 }, 'muc.defaultHistoryLength: must not exceed maxHistoryLength (200)'],
    [{ allowPersistentRooms: false, defaultPersistent: true }, 'muc.defaultPersistent: needs allowPersistentRooms'],
    [{ enabled: 'maybe' }, 'muc.enabled: must be true or false'],
  ])('refuses %j naming the key', (raw, message) => {
    expect(() => parseMucOptions(raw as Record<string, unknown>)).toThrow(message);
  });
});
