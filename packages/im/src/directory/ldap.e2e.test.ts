// The LDAP directory backend and password verifier against a real OpenLDAP slapd started by the
// test (RFC 4511 search and simple bind, RFC 4515 filter escaping, RFC 4513 §5.1.2 empty passwords).
// No mock and no skip: without slapd installed, startLdapServer fails and says how to install it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { Harness, freePort, isStanzaError, startLdapServer, type LdapTestServer } from '@deskchat/testing';
import { LdapDirectory, LdapUnavailableError } from './ldap-directory.js';
import { createLdapPasswordVerifier } from './ldap-password.js';
import { NS_DATA, NS_SEARCH } from './ns.js';
import { parseLdapOptions, type LdapOptions } from './options.js';
import { searchModule } from './search-module.js';

let ldap: LdapTestServer;
let options: LdapOptions;

beforeAll(async () => {
  ldap = await startLdapServer({
    users: [
      { uid: 'alice', cn: 'Alice Liddell', givenName: 'Alice', sn: 'Liddell', mail: 'alice@wonderland.example', password: 'alice-secret' },
      { uid: 'alison', cn: 'Alison Hargreaves', givenName: 'Alison', sn: 'Hargreaves', mail: 'alison@example.com', password: 'x' },
      { uid: 'bob', cn: 'Bob Builder', givenName: 'Bob', sn: 'Builder', mail: 'bob@example.com', password: 'bob-secret' },
      { uid: 'star', cn: 'Star *)( Name', givenName: 'Star', sn: 'Name', mail: 'star@example.com', password: 'star-secret' },
      { uid: 'zoe', cn: 'Zoë Ñandú', sn: 'Ñandú' },
    ],
  });
  options = parseLdapOptions({ url: ldap.url, bindDn: ldap.adminDn, bindPassword: ldap.adminPassword, baseDn: ldap.peopleDn, timeoutMs: 3000 });
});

afterAll(async () => {
  await ldap?.stop();
});

const usernames = (entries: { username: string }[]) => entries.map((e) => e.username);

describe('LdapDirectory search (RFC 4511 §4.5, RFC 4515)', () => {
  it('finds users by part of the username, name or e-mail, case-insensitively, with their attributes', async () => {
    const directory = new LdapDirectory(options);
    await expect(directory.search({ text: 'ali' }, 50)).resolves.toEqual([
      { username: 'alice', name: 'Alice Liddell', first: 'Alice', last: 'Liddell', email: 'alice@wonderland.example' },
      { username: 'alison', name: 'Alison Hargreaves', first: 'Alison', last: 'Hargreaves', email: 'alison@example.com' },
    ]);
    expect(usernames(await directory.search({ text: 'WONDERLAND' }, 50))).toEqual(['alice']);
    expect(usernames(await directory.search({ text: 'builder' }, 50))).toEqual(['bob']);
    expect(usernames(await directory.search({ text: 'ñandú' }, 50))).toEqual(['zoe']);
  });

  it('maps the legacy fields to givenName, sn and mail', async () => {
    const directory = new LdapDirectory(options);
    expect(usernames(await directory.search({ first: 'ali', last: 'hargr' }, 50))).toEqual(['alison']);
    expect(usernames(await directory.search({ email: 'example.com' }, 50))).toEqual(['alison', 'bob', 'star']);
  });

  it("escapes filter metacharacters: a name with '*)(' in it is found literally, and only it (RFC 4515 §3)", async () => {
    const directory = new LdapDirectory(options);
    expect(usernames(await directory.search({ text: '*)(' }, 50))).toEqual(['star']);
    expect(usernames(await directory.search({ text: '*' }, 50))).toEqual(['star']);
    expect(usernames(await directory.search({ text: '*)(uid=*' }, 50))).toEqual([]);
    expect(usernames(await directory.search({ first: 'x)(|(uid=*' }, 50))).toEqual([]);
  });

  it('returns at most the limit (sizeLimit) and keeps the configured user filter', async () => {
    expect(await new LdapDirectory(options).search({ email: 'example' }, 2)).toHaveLength(2);
    const noBob = new LdapDirectory({ ...options, filter: '(&(objectClass=inetOrgPerson)(!(uid=bob)))' });
    expect(usernames(await noBob.search({ email: 'example.com' }, 50))).toEqual(['alison', 'star']);
  });

  it('searches anonymously when no bindDn is configured', async () => {
    const anonymous = new LdapDirectory(parseLdapOptions({ url: ldap.url, baseDn: ldap.peopleDn }));
    expect(usernames(await anonymous.search({ text: 'bob' }, 50))).toEqual(['bob']);
  });

  it('fails with LdapUnavailableError on a refused service bind or an unreachable server', async () => {
    await expect(new LdapDirectory({ ...options, bindPassword: 'wrong' }).search({ text: 'a' }, 5)).rejects.toThrow(LdapUnavailableError);
    const closed = { ...options, url: `ldap://127.0.0.1:${await freePort()}`, connectTimeoutMs: 1000 };
    await expect(new LdapDirectory(closed).search({ text: 'a' }, 5)).rejects.toThrow(LdapUnavailableError);
  });
});

describe('XEP-0055 search module on LDAP', () => {
  const formSearch = (text: string) =>
    xml(
      'iq',
      { type: 'set', to: 'localhost' },
      xml('query', { xmlns: NS_SEARCH }, xml('x', { xmlns: NS_DATA, type: 'submit' }, xml('field', { var: 'search' }, xml('value', {}, text)))),
    );

  it('answers from LDAP instead of the built-in directory when ldap is configured', async () => {
    const h = await Harness.create({ modules: [{ ...searchModule, defaults: { maxResults: 50, ldap: options } }] });
    await h.addUser('searcher');
    await h.addUser('alina'); // a local account LDAP does not know: not in the results
    const client = await h.connect('searcher');
    const x = (await client.iq(formSearch('ali'))).getChild('query', NS_SEARCH)!.getChild('x', NS_DATA)!;
    const found = x.getChildren('item').map((i) => Object.fromEntries(i.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')])));
    expect(found.map((r) => [r.jid, r.name])).toEqual([
      ['alice@localhost', 'Alice Liddell'],
      ['alison@localhost', 'Alison Hargreaves'],
    ]);
  });

  it('answers internal-server-error of type wait when LDAP cannot be reached', async () => {
    const down = { ...options, url: `ldap://127.0.0.1:${await freePort()}`, connectTimeoutMs: 1000 };
    const h = await Harness.create({ modules: [{ ...searchModule, defaults: { maxResults: 50, ldap: down } }] });
    await h.addUser('searcher');
    const reply = await (await h.connect('searcher')).iq(formSearch('ali'));
    expect(isStanzaError(reply, 'internal-server-error')).toBe(true);
    expect(StanzaError.fromStanza(reply)?.type).toBe('wait');
  });
});

describe('LDAP password verifier (RFC 4513 §5.1.3 simple bind as the user)', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const verify = createLdapPasswordVerifier(options);
    await expect(verify('alice', 'alice-secret')).resolves.toBe(true);
    await expect(verify('alice', 'alice-secreT')).resolves.toBe(false);
    await expect(verify('alice', 'bob-secret')).resolves.toBe(false);
  });

  it('refuses an unknown user and a user with no userPassword', async () => {
    const verify = createLdapPasswordVerifier(options);
    await expect(verify('mallory', 'alice-secret')).resolves.toBe(false);
    await expect(verify('zoe', 'anything')).resolves.toBe(false);
  });

  it('never accepts an empty password (an RFC 4513 §5.1.2 unauthenticated bind would "succeed")', async () => {
    await expect(createLdapPasswordVerifier(options)('alice', '')).resolves.toBe(false);
  });

  it('escapes the username: "*" or an injected filter matches nobody (RFC 4515 §3)', async () => {
    const verify = createLdapPasswordVerifier(options);
    await expect(verify('*', 'alice-secret')).resolves.toBe(false);
    await expect(verify('alice)(uid=*', 'alice-secret')).resolves.toBe(false);
    await expect(verify('al*', 'alice-secret')).resolves.toBe(false);
  });

  it('works with an anonymous search bind too', async () => {
    const verify = createLdapPasswordVerifier(parseLdapOptions({ url: ldap.url, baseDn: ldap.peopleDn }));
    await expect(verify('bob', 'bob-secret')).resolves.toBe(true);
  });

  it('rejects with LdapUnavailableError when the server cannot be reached (not a wrong password)', async () => {
    const down = { ...options, url: `ldap://127.0.0.1:${await freePort()}`, connectTimeoutMs: 1000 };
    await expect(createLdapPasswordVerifier(down)('alice', 'alice-secret')).rejects.toThrow(LdapUnavailableError);
  });
});
