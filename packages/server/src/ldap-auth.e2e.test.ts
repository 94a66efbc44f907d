// Sign-in checked against a real OpenLDAP server (slapd, started on a free port), as configured
// with `search.ldap` + `auth.ldap: true`: only PLAIN is offered (SCRAM cannot check a password
// the server never stores), the LDAP password works, the stored one does not.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startLdapServer, type LdapTestServer } from '@deskchat/testing';
import { RawConnection, STREAM_HEADER, signIn, startTestNode, stopClient, trustCertificate, type TestNode } from './__tests__/e2e-helpers.js';

let ldap: LdapTestServer;
let server: TestNode;
let untrust: () => void;

beforeAll(async () => {
  ldap = await startLdapServer({ users: [{ uid: 'alice', cn: 'Alice Liddell', sn: 'Liddell', password: 'ldap-secret' }] });
  // xmpp.js sends PLAIN only over TLS, so this node has the development certificate.
  server = await startTestNode({
    tls: true,
    raw: {
      search: { ldap: { url: ldap.url, baseDn: ldap.baseDn, bindDn: ldap.adminDn, bindPassword: ldap.adminPassword } },
      auth: { ldap: true },
    },
  });
  // LDAP users sign in to accounts provisioned here (any stored password; it is never checked).
  await server.addUser('alice', 'local-password');
  untrust = await trustCertificate(server.config.tls!.certFile);
}, 30_000);

afterAll(async () => {
  untrust();
  await server.stop();
  await ldap.stop();
});

describe('LDAP password check at sign-in', () => {
  it('offers only PLAIN, and only once the stream is encrypted', async () => {
    const raw = await RawConnection.connect(server.port);
    raw.write(STREAM_HEADER);
    const text = await raw.waitFor(/<\/stream:features>/);
    expect(text).not.toMatch(/<mechanism>/); // STARTTLS first (RFC 6120 §5.3.1)
    raw.destroy();
    const mechanisms = server.node.core.mechanisms.map((m) => m.name);
    expect(mechanisms).toEqual(['PLAIN']);
  });

  it('signs in @xmpp/client with the LDAP password', async () => {
    const alice = await signIn(server.port, 'alice', 'ldap-secret', 'ldap');
    expect(alice.jid?.toString()).toBe('alice@localhost/ldap');
    await stopClient(alice);
  });

  it('refuses the locally stored password and a wrong one with not-authorized', async () => {
    await expect(signIn(server.port, 'alice', 'local-password')).rejects.toMatchObject({ condition: 'not-authorized' });
    await expect(signIn(server.port, 'alice', 'wrong')).rejects.toMatchObject({ condition: 'not-authorized' });
  });
});
