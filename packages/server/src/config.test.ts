// Configuration parsing: defaults, module sections, and errors that name the key (conventions §8).
import { describe, it, expect } from '@jest/globals';
import { loadConfig, parseConfig } from './config.js';

describe('server configuration', () => {
  it('runs on defaults with no file and no environment', () => {
    const config = parseConfig({}, '/srv');
    expect(config.core.domain).toBe('localhost');
    expect(config.dataDir).toBe('/srv/data');
    expect([config.c2s.port, config.http.port, config.admin.port, config.admin.host]).toEqual([5222, 5280, 5281, '127.0.0.1']);
    expect(config.im.modules.roster).toMatchObject({ maxContacts: 500 });
    expect(config.im.ldapAuth).toBeUndefined();
    expect(config.files).toMatchObject({ expiryHours: 72, policy: { enabled: true, maxBytes: 5 * 1024 * 1024 }, proxy: { port: 7777 } });
  });

  it('reads the muc section (group chat on by default at conference.<domain>) and its environment switch', () => {
    expect(parseConfig({}, '/srv').muc).toMatchObject({ enabled: true, subdomain: 'conference', defaultHistoryLength: 20 });
    expect(parseConfig({ muc: { subdomain: 'rooms', creators: 'admins', admins: ['boss@localhost'] } }, '/srv').muc).toMatchObject({ subdomain: 'rooms', creators: 'admins', admins: ['boss@localhost'] });
    expect(loadConfig({ env: { DESKCHAT_MUC_ENABLED: 'false' }, cwd: '/nonexistent-dir' }).muc.enabled).toBe(false);
  });

  it('reads the mam section (XEP-0313 archives: retention and the per-user bound) and names a bad key', () => {
    expect(parseConfig({}, '/srv').im.modules.mam).toMatchObject({ retentionDays: 0, maxMessagesPerUser: 10_000, defaultPreference: 'always' });
    expect(parseConfig({ mam: { retentionDays: 30, maxBytesPerUser: 1_000_000 } }, '/srv').im.modules.mam).toMatchObject({ retentionDays: 30, maxBytesPerUser: 1_000_000 });
    expect(() => parseConfig({ mam: { retentionDays: 'forever' } }, '/srv')).toThrow('mam.retentionDays');
    expect(() => parseConfig({ muc: { archiveRetentionDays: -2 } }, '/srv')).toThrow('muc.archiveRetentionDays');
  });

  it('reads the pubsub section (the XEP-0060 service on by default at pubsub.<domain>) and names a bad key', () => {
    expect(parseConfig({}, '/srv').im.modules.pubsub).toMatchObject({ enabled: true, subdomain: 'pubsub', admins: [], maxNodes: 1000 });
    expect(parseConfig({ domain: 'example.com', pubsub: { admins: ['boss'], maxItemsPerNode: 50, enabled: false } }, '/srv').im.modules.pubsub).toMatchObject({ enabled: false, admins: ['boss@example.com'], maxItemsPerNode: 50 });
    expect(() => parseConfig({ pubsub: { owners: ['boss'] } }, '/srv')).toThrow('pubsub.owners');
    expect(() => parseConfig({ pubsub: { admins: ['boss@elsewhere.example'] } }, '/srv')).toThrow('pubsub.admins[0]');
    expect(() => parseConfig({ pubsub: { maxNodes: 0 } }, '/srv')).toThrow('pubsub.maxNodes');
    expect(() => parseConfig({ pubsub: 'on' }, '/srv')).toThrow('pubsub');
  });

  it('takes environment overrides', () => {
    const config = loadConfig({ env: { DESKCHAT_DOMAIN: 'Chat.Example.com', DESKCHAT_C2S_PORT: '15222', DESKCHAT_FILES_PROXY_PORT: '0', DESKCHAT_FILES_PUBLIC_URL: 'https://files.example.com' }, cwd: '/nonexistent-dir' });
    expect(config.core.domain).toBe('chat.example.com');
    expect(config.c2s.port).toBe(15222);
    expect(config.files).toMatchObject({ publicUrl: 'https://files.example.com', proxy: { port: 0 } });
  });

  it.each([
    [{ c2s: { port: 70000 } }, /^c2s\.port: must be an integer 0\.\.65535/],
    [{ roster: { maxContacts: -1 } }, /^roster\.maxContacts/],
    [{ offline: { maxMessagesPerUser: 'many' } }, /^offline\.maxMessagesPerUser/],
    [{ auth: { ldap: true } }, /^auth\.ldap: needs search\.ldap/],
    [{ search: { ldap: { url: 'http://x' } } }, /^search\.ldap\.url/],
    [{ colour: 'blue' }, /^colour: unknown setting/],
    [{ muc: { subdomain: 'chat.rooms' } }, /^muc\.subdomain: must be one DNS label/],
    [{ muc: { defaultHistoryLength: 500 } }, /^muc\.defaultHistoryLength: must not exceed maxHistoryLength/],
    [{ admin: { token: 'short' } }, /^admin\.token/],
    [{ admin: { allowInsecureChatUrls: 'sometimes' } }, /^admin\.allowInsecureChatUrls: must be true or false/],
    [{ admin: { sessionIdleMinutes: 0 } }, /^admin\.sessionIdleMinutes: must be an integer 1\.\.1440/],
    [{ limits: { maxSessionsPerNode: 100, restoreSessionsPerNode: 200 } }, /^limits\.restoreSessionsPerNode: must not be more than maxSessionsPerNode \(100\)/],
    [{ files: { maxBytes: 0 } }, /^files\.maxBytes: must be an integer/],
    [{ files: { refusedTypes: ['exe', '../x'] } }, /^files\.refusedTypes\[1\]/],
    [{ files: { proxyPort: 'x' } }, /^files\.proxyPort/],
    [{ sm: { resumptionTimeout: 'long' } }, /^sm\.resumptionTimeout: must be an integer 1\.\.86400/],
    [{ sm: { enabled: 'maybe' } }, /^sm\.enabled: must be true or false/],
    [{ sm: { resumptionTimeout: 300, maxResumptionTimeout: 100 } }, /^sm\.maxResumptionTimeout: must be at least sm\.resumptionTimeout \(300\)/],
    [{ sm: { ackEvery: 3 } }, /^sm\.ackEvery: unknown setting/],
  ])('refuses %j with a message naming the key', (raw, message) => {
    expect(() => parseConfig(raw as Record<string, unknown>, '/srv')).toThrow(message);
  });

  it('reads the administration keys and the load limits, with their defaults', () => {
    const defaults = parseConfig({}, '/srv');
    expect(defaults.admin).toMatchObject({ allowInsecureChatUrls: false, metricsPublic: false, sessionIdleMinutes: 30, createFirstAdmin: true });
    expect(defaults.core.limits).toMatchObject({ maxSessionsPerNode: 0, restoreSessionsPerNode: 0 });
    const set = parseConfig({ admin: { metricsPublic: 'true', sessionIdleMinutes: '15' }, limits: { maxSessionsPerNode: 5000 } }, '/srv');
    expect(set.admin).toMatchObject({ metricsPublic: true, sessionIdleMinutes: 15 });
    expect(set.core.limits).toMatchObject({ maxSessionsPerNode: 5000, restoreSessionsPerNode: 4500 });
  });

  it('reads the stream management keys (XEP-0198), with their defaults', () => {
    expect(parseConfig({}, '/srv').core.sm).toEqual({ enabled: true, resumptionTimeout: 300, maxResumptionTimeout: 600, ackRequestInterval: 5, ackRequestBurst: 5 });
    const set = parseConfig({ sm: { enabled: false, resumptionTimeout: '120', maxResumptionTimeout: 240, ackRequestInterval: 30, ackRequestBurst: 10 } }, '/srv');
    expect(set.core.sm).toEqual({ enabled: false, resumptionTimeout: 120, maxResumptionTimeout: 240, ackRequestInterval: 30, ackRequestBurst: 10 });
  });

  it('passes module sections to their modules and turns on LDAP sign-in', () => {
    const config = parseConfig(
      { roster: { maxContacts: 50 }, search: { maxResults: 10, ldap: { url: 'ldap://127.0.0.1:389', baseDn: 'dc=example,dc=com' } }, auth: { ldap: true } },
      '/srv',
    );
    expect(config.im.modules.roster).toMatchObject({ maxContacts: 50 });
    expect(config.im.modules.search).toMatchObject({ maxResults: 10 });
    expect(config.im.ldapAuth?.url).toBe('ldap://127.0.0.1:389');
  });
});
