// A real OpenLDAP server (slapd, RFC 4511) for tests: a throwaway directory in a temp dir, loaded
// with slapadd from an LDIF of users (RFC 2849) with {SSHA} userPassword values, on a free loopback
// port. Tests that need it fail, never skip, when slapd is missing: CI installs it (.ci/run).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const SLAPD = '/usr/sbin/slapd';
export const SLAPADD = '/usr/sbin/slapadd';
const SCHEMAS = ['core', 'cosine', 'nis', 'inetorgperson'].map((s) => `/etc/ldap/schema/${s}.schema`);

export interface LdapTestUser {
  /** RDN value under ou=people (letters, digits, '.', '_', '-'). */
  uid: string;
  cn: string;
  sn: string;
  givenName?: string;
  mail?: string;
  password?: string;
}

export interface LdapTestServer {
  /** ldap://127.0.0.1:PORT */
  readonly url: string;
  readonly baseDn: string;
  /** The users' container: ou=people,<baseDn>. */
  readonly peopleDn: string;
  /** The directory manager (rootdn), usable as a search bind DN. */
  readonly adminDn: string;
  readonly adminPassword: string;
  userDn(uid: string): string;
  stop(): Promise<void>;
}

/** The RFC 2307 `{SSHA}` scheme slapd verifies simple binds against: base64(SHA-1(password ‖ salt) ‖ salt). */
export function sshaPassword(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** An LDIF attribute line; anything but plain printable ASCII goes base64 (RFC 2849 `::`). */
function ldifLine(attr: string, value: string): string {
  return /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ')
    ? `${attr}: ${value}`
    : `${attr}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

function ldif(baseDn: string, users: readonly LdapTestUser[]): string {
  const dc = /^dc=([^,]+)/.exec(baseDn)![1];
  const entries = [
    [`dn: ${baseDn}`, 'objectClass: top', 'objectClass: dcObject', 'objectClass: organization', `dc: ${dc}`, 'o: DeskChat tests'],
    [`dn: ou=people,${baseDn}`, 'objectClass: organizationalUnit', 'ou: people'],
    ...users.map((u) => {
      if (!/^[A-Za-z0-9._-]+$/.test(u.uid)) throw new Error(`ldap test user uid ${JSON.stringify(u.uid)}: letters, digits, '.', '_', '-' only`);
      return [
        `dn: uid=${u.uid},ou=people,${baseDn}`,
        'objectClass: inetOrgPerson',
        `uid: ${u.uid}`,
        ldifLine('cn', u.cn),
        ldifLine('sn', u.sn),
        ...(u.givenName ? [ldifLine('givenName', u.givenName)] : []),
        ...(u.mail ? [ldifLine('mail', u.mail)] : []),
        ...(u.password ? [ldifLine('userPassword', sshaPassword(u.password))] : []),
      ];
    }),
  ];
  return entries.map((e) => e.join('\n')).join('\n\n') + '\n';
}

function slapdConf(dir: string, baseDn: string, adminDn: string, adminPassword: string): string {
  return [
    ...SCHEMAS.map((s) => `include ${s}`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'database mdb',
    'maxsize 16777216',
    `suffix "${baseDn}"`,
    `rootdn "${adminDn}"`,
    `rootpw ${adminPassword}`,
    `directory ${join(dir, 'db')}`,
    // Passwords are for binding only (RFC 4513 §5.1.3); everything else is readable, also anonymously.
    'access to attrs=userPassword by anonymous auth by self read by * none',
    'access to * by * read',
    '',
  ].join('\n');
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, (err, _stdout, stderr) => (err ? reject(new Error(`${file} failed: ${stderr || err.message}`)) : resolve()));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts slapd with `users` under ou=people,dc=deskchat,dc=test; call `stop()` when done. */
export async function startLdapServer(options: { users?: readonly LdapTestUser[]; startTimeoutMs?: number } = {}): Promise<LdapTestServer> {
  if (!existsSync(SLAPD) || !existsSync(SLAPADD)) {
    throw new Error(
      `OpenLDAP's slapd is not installed (${SLAPD}); the LDAP tests need a real server: ` +
        'install it with `sudo DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils` (.ci/run does this in CI)',
    );
  }
  const baseDn = 'dc=deskchat,dc=test';
  const adminDn = `cn=admin,${baseDn}`;
  const adminPassword = randomBytes(9).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-slapd-'));
  mkdirSync(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, slapdConf(dir, baseDn, adminDn, adminPassword));
  writeFileSync(join(dir, 'users.ldif'), ldif(baseDn, options.users ?? []));
  let slapd: ChildProcess | undefined;
  try {
    await run(SLAPADD, ['-q', '-f', conf, '-l', join(dir, 'users.ldif')]);
    const port = await freePort();
    const url = `ldap://127.0.0.1:${port}`;
    // -d 0: stay in the foreground (so the test owns the process) with no debug output.
    const child = spawn(SLAPD, ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    slapd = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err) => (stderr += err.message));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    while (!(await canConnect(port))) {
      if (child.exitCode !== null) throw new Error(`slapd exited with code ${child.exitCode}: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`slapd did not listen on ${url} in time: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return {
      url,
      baseDn,
      peopleDn: `ou=people,${baseDn}`,
      adminDn,
      adminPassword,
      userDn: (uid) => `uid=${uid},ou=people,${baseDn}`,
      async stop() {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (slapd && slapd.exitCode === null) slapd.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
