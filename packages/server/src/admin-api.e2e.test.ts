// The admin API on a real node: users (the CLI's rules over HTTP, CSV import with progress), the
// public chat-servers copy on the HTTP port, /metrics parsed by a Prometheus text-format parser
// with the counters moving when a client signs in and sends a message, and the load limit refusing
// sign-ins over TCP (resource-constraint) and BOSH (policy-violation) while existing sessions stay.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { ADMIN_TOKEN, RawConnection, STREAM_HEADER, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

let server: TestNode;
beforeAll(async () => {
  server = await startTestNode();
});
afterAll(async () => {
  await server.stop();
});

const api = (path: string, init: { method?: string; json?: unknown; body?: string; type?: string; token?: string | null } = {}) => {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? ADMIN_TOKEN}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.type) headers['content-type'] = init.type;
  return fetch(`http://127.0.0.1:${server.node.ports.admin}${path}`, { method: init.method ?? 'GET', headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
};

async function metrics(): Promise<(name: string, labels?: Record<string, string>) => number> {
  const response = await api('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const families = parsePrometheusTextFormat(await response.text());
  return (name, labels = {}) => {
    const family = families.find((f) => f.name === name);
    if (!family) throw new Error(`no metric ${name}`);
    return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)).reduce((n, m) => n + Number(m.value), 0);
  };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('users over the admin API', () => {
  it('adds a user who signs in over XMPP, refuses a taken name (409) and names a bad field (400)', async () => {
    const added = await api('/api/v1/users', { method: 'POST', json: { username: 'Dora', password: 'dora pw', name: 'Dora D', email: 'dora@example.com' } });
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ username: 'dora' });
    const xmpp = await signIn(server.port, 'dora', 'dora pw');
    await stopClient(xmpp);
    expect((await api('/api/v1/users', { method: 'POST', json: { username: 'dora', password: 'x' } })).status).toBe(409);
    for (const [body, field] of [
      [{ username: 'a b', password: 'x' }, 'username'],
      [{ username: 'erin', password: 'a\u0007b' }, 'password'],
      [{ username: 'erin', password: 'x', email: 'nope' }, 'email'],
      [{ password: 'x' }, 'username'],
    ] as const) {
      const response = await api('/api/v1/users', { method: 'POST', json: body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { fields: Record<string, string> }).fields).toHaveProperty(field);
    }
  });

  it('generates a password shown once when none is given, and resets one', async () => {
    const added = (await (await api('/api/v1/users', { method: 'POST', json: { username: 'gus' } })).json()) as { generatedPassword: string };
    await stopClient(await signIn(server.port, 'gus', added.generatedPassword));
    const reset = await api('/api/v1/users/gus/password', { method: 'PUT', json: { password: 'gus new pw' } });
    expect(await reset.json()).toEqual({ username: 'gus' });
    await stopClient(await signIn(server.port, 'gus', 'gus new pw'));
    expect((await api('/api/v1/users/nobody/password', { method: 'PUT', json: { password: 'x' } })).status).toBe(404);
  });

  it('lists with search and paging, and removes a user (audited, no password in the log)', async () => {
    for (const u of ['hal', 'ian', 'jo']) await api('/api/v1/users', { method: 'POST', json: { username: u, password: 'pw', name: `Team ${u}` } });
    const page = (await (await api('/api/v1/users?search=team&limit=2&offset=1')).json()) as { total: number; users: { username: string }[] };
    expect(page.total).toBe(3);
    expect(page.users.map((u) => u.username)).toEqual(['ian', 'jo']);
    expect((await api('/api/v1/users?limit=0')).status).toBe(400);
    const removed = await api('/api/v1/users/jo', { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ username: 'jo', sessionsEnded: 0 });
    expect((await api('/api/v1/users/jo', { method: 'DELETE' })).status).toBe(404);
    const audit = (await (await api('/api/v1/audit?limit=500')).json()) as { action: string; target?: string; actor: string }[];
    expect(audit.find((e) => e.action === 'user.remove')).toMatchObject({ target: 'jo', actor: 'token:bootstrap' });
    expect(audit.find((e) => e.action === 'user.password.reset')).toMatchObject({ target: 'gus' });
    expect(JSON.stringify(audit)).not.toMatch(/dora pw|gus new pw/);
  });

  it('imports the CLI CSV as a job with progress and a summary, and refuses an unusable file', async () => {
    const csv = 'username,password,name\nkim,pw1,Kim\nlee,pw2,\ndora,pw3,\na b,pw4,\n';
    const started = await api('/api/v1/users/import', { method: 'POST', body: csv, type: 'text/csv' });
    expect(started.status).toBe(202);
    const { id, total } = (await started.json()) as { id: string; total: number };
    expect(total).toBe(3);
    let job: { done: boolean; processed: number; summary?: unknown } = { done: false, processed: 0 };
    await until(async () => (job = (await (await api(`/api/v1/users/import/${id}`)).json()) as typeof job).done, 'the import');
    expect(job).toMatchObject({ processed: 3, summary: { imported: 2, skipped: 1, errors: [{ line: 5, message: "invalid username 'a b'" }] } });
    await stopClient(await signIn(server.port, 'kim', 'pw1'));
    const bad = await api('/api/v1/users/import', { method: 'POST', body: 'username,phone\nx,1\n', type: 'text/csv' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fields: { file: expect.stringContaining("unknown column 'phone'") } });
  });
});

describe('a single node has no cluster', () => {
  it('answers 404 "not a cluster" on the cluster routes, keeps users without a node, and has no Redis readiness check', async () => {
    for (const [path, method, json] of [
      ['/api/v1/cluster', 'GET', undefined],
      ['/api/v1/users/hal/node', 'PUT', { node: 'imp1a' }],
      ['/api/v1/cluster/pairs/pair1/rebalance', 'POST', undefined],
    ] as const) {
      const response = await api(path, { method, json });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { reason: string }).reason).toMatch(/^not a cluster/);
    }
    const refused = await api('/api/v1/users', { method: 'POST', json: { username: 'nel', password: 'pw', node: 'imp1a' } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { fields: Record<string, string> }).fields.node).toMatch(/^not a cluster/);
    const users = (await (await api('/api/v1/users')).json()) as { users: Record<string, unknown>[] };
    expect(users.users.every((u) => !('node' in u))).toBe(true);
    const ready = (await (await api('/readyz', { token: null })).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(ready.checks).sort()).toEqual(['loadLimit', 'serving', 'storage']);
  });
});

describe('public chat-servers copy on the HTTP port', () => {
  it("answers this node's BOSH URL before a save and the saved URLs after it, without credentials", async () => {
    const url = `http://127.0.0.1:${server.httpPort}/api/v1/public/chat-servers`;
    expect(await (await fetch(url)).json()).toEqual({ primary: `http://127.0.0.1:${server.httpPort}/http-bind`, secondary: null });
    const urls = { primary: 'https://chat1.example.com/http-bind', secondary: 'https://chat2.example.com/http-bind' };
    expect((await api('/api/v1/settings/chat-servers', { method: 'PUT', json: urls })).status).toBe(200);
    expect(await (await fetch(url)).json()).toEqual(urls);
  });
});

describe('/metrics (Prometheus text format)', () => {
  it('needs credentials, and lists the node metrics and the process metrics', async () => {
    expect((await api('/metrics', { token: null })).status).toBe(401);
    const value = await metrics();
    for (const name of ['deskchat_sessions', 'deskchat_connections', 'deskchat_sign_ins_total', 'deskchat_stanzas_routed_total', 'deskchat_load_limit_refusals_total', 'deskchat_offline_messages', 'deskchat_bosh_held_requests', 'deskchat_bosh_wire_connections', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes']) {
      expect(() => value(name)).not.toThrow();
    }
  });

  it('moves the counters when a client signs in and sends a message', async () => {
    await server.addUser('mia', 'pw-mia');
    await server.addUser('ned', 'pw-ned');
    const before = await metrics();
    const mia = await signIn(server.port, 'mia', 'pw-mia');
    const ned = await signIn(server.port, 'ned', 'pw-ned');
    await ned.send(xml('presence'));
    const received = new Promise<void>((resolve) => ned.on('stanza', (el) => el.is('message') && resolve()));
    await mia.send(xml('message', { to: 'ned@localhost', type: 'chat' }, xml('body', {}, 'hello')));
    await received;
    const after = await metrics();
    expect(after('deskchat_sign_ins_total', { transport: 'tcp' }) - before('deskchat_sign_ins_total', { transport: 'tcp' })).toBe(2);
    expect(after('deskchat_sessions', { transport: 'tcp' })).toBe(before('deskchat_sessions', { transport: 'tcp' }) + 2);
    expect(after('deskchat_stanzas_routed_total', { kind: 'message', to: 'bare' }) - before('deskchat_stanzas_routed_total', { kind: 'message', to: 'bare' })).toBe(1);
    await Promise.all([stopClient(mia), stopClient(ned)]);
    await until(async () => (await metrics())('deskchat_sessions', { transport: 'tcp' }) === before('deskchat_sessions', { transport: 'tcp' }), 'sessions to end');
    expect((await metrics())('deskchat_sessions_ended_total', { transport: 'tcp' })).toBeGreaterThanOrEqual(2);
  });

  it('counts sign-ins refused by the failed-auth lockout (limits.authFailuresPerUser) by scope', async () => {
    await server.addUser('quinn', 'pw-quinn');
    const before = (await metrics())('deskchat_sign_ins_throttled_total', { scope: 'user' });
    const plain = (password: string) => Buffer.from(`\0quinn\0${password}`).toString('base64');
    // Ten wrong passwords from this address (one stream each: a stream allows three attempts), then the right one is refused too.
    for (let i = 0; i <= 10; i++) {
      const raw = await RawConnection.connect(server.port);
      raw.write(STREAM_HEADER);
      await raw.waitFor(/<\/stream:features>/);
      raw.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain(i < 10 ? 'wrong' : 'pw-quinn')}</auth>`);
      await raw.waitFor(i < 10 ? /<not-authorized\/>/ : /<temporary-auth-failure\/>.*limits\.authFailuresPerUser/s);
      raw.destroy();
    }
    const after = await metrics();
    expect(after('deskchat_sign_ins_throttled_total', { scope: 'user' })).toBe(before + 1);
    expect(after('deskchat_sign_ins_throttled_total', { scope: 'address' })).toBe(0);
  });

  it('counts uploads stored and transfers refused under the file policy, by code and where they were refused', async () => {
    await server.addUser('rosa', 'pw-rosa');
    const rosa = await signIn(server.port, 'rosa', 'pw-rosa');
    try {
      const before = await metrics();
      const slot = (filename: string, size: number, type: string) =>
        rosa.iqCaller.request(xml('iq', { type: 'get', to: 'localhost/upload' }, xml('request', { xmlns: 'urn:xmpp:http:upload:0', filename, size: String(size), 'content-type': type })));
      await expect(slot('setup.exe', 10, 'application/octet-stream')).rejects.toThrow(/not-acceptable/);
      const put = async (filename: string, body: Buffer, type: string) => {
        const answer = await slot(filename, body.length, type);
        const url = answer.getChild('slot')!.getChild('put')!.attrs.url as string;
        return (await fetch(url, { method: 'PUT', body, headers: { 'content-type': type } })).status;
      };
      expect(await put('notes.txt', Buffer.from('hello'), 'text/plain')).toBe(201);
      // A Windows executable named as a PDF: refused by its content, at upload.
      expect(await put('invoice.pdf', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), 'application/pdf')).toBe(415);
      const after = await metrics();
      expect(after('deskchat_file_refusals_total', { code: 'type-refused', at: 'slot' }) - before('deskchat_file_refusals_total', { code: 'type-refused', at: 'slot' })).toBe(1);
      expect(after('deskchat_file_refusals_total', { code: 'content-refused', at: 'upload' }) - before('deskchat_file_refusals_total', { code: 'content-refused', at: 'upload' })).toBe(1);
      expect(after('deskchat_file_uploads_total') - before('deskchat_file_uploads_total')).toBe(1);
      expect(after('deskchat_file_upload_bytes_total') - before('deskchat_file_upload_bytes_total')).toBe(5);
    } finally {
      await stopClient(rosa);
    }
  });

  it('counts failed sign-ins by condition', async () => {
    const before = (await metrics())('deskchat_sign_in_failures_total', { condition: 'not-authorized' });
    await expect(signIn(server.port, 'mia', 'wrong')).rejects.toThrow();
    expect((await metrics())('deskchat_sign_in_failures_total', { condition: 'not-authorized' })).toBe(before + 1);
  });
});

describe('load limit (limits.maxSessionsPerNode)', () => {
  let holder: Client;
  afterAll(async () => {
    if (holder) await stopClient(holder);
    await api('/api/v1/settings/load-limits', { method: 'PUT', json: { maxSessionsPerNode: 0 } });
  });

  it('refuses new sign-ins over TCP and BOSH at the limit, keeps the session it has, and reports it', async () => {
    await server.addUser('olga', 'pw-olga');
    await server.addUser('pat', 'pw-pat');
    holder = await signIn(server.port, 'olga', 'pw-olga');
    const saved = await api('/api/v1/settings/load-limits', { method: 'PUT', json: { maxSessionsPerNode: 1, restoreSessionsPerNode: 0 } });
    expect(saved.status).toBe(200);
    // TCP: the resource-constraint stream error with its text.
    const raw = await RawConnection.connect(server.port);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0pat\0pw-pat').toString('base64')}</auth>`);
    await raw.waitFor(/<resource-constraint[^>]*\/>.*session limit/s);
    await raw.waitClosed();
    // BOSH: a policy-violation terminate with the same text.
    const bosh = async (body: string) => (await fetch(`http://127.0.0.1:${server.httpPort}/http-bind`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body })).text();
    const created = await bosh("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='1000' to='localhost' wait='5' hold='1' ver='1.6' xmpp:version='1.0'/>");
    const sid = /sid='([^']+)'/.exec(created)?.[1] ?? /sid="([^"]+)"/.exec(created)?.[1];
    expect(sid).toBeDefined();
    const refused = await bosh(`<body xmlns='http://jabber.org/protocol/httpbind' rid='1001' sid='${sid}'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0pat\0pw-pat').toString('base64')}</auth></body>`);
    expect(refused).toMatch(/type='terminate' condition='policy-violation'/);
    expect(refused).toContain('this node is at its session limit');
    // The existing session still works: a ping is answered.
    const pong = await holder.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(pong.attrs.type).toBe('result');
    const value = await metrics();
    expect(value('deskchat_load_limit_refusals_total')).toBe(2);
    expect(value('deskchat_load_limit_refusing')).toBe(1);
    const ready = await api('/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not-ready', checks: { storage: { ok: true }, loadLimit: { ok: false } } });
  });

  it('accepts sign-ins again once back at the restore threshold', async () => {
    await stopClient(holder);
    await until(async () => (await api('/readyz', { token: null })).status === 200, 'ready again');
    holder = await signIn(server.port, 'pat', 'pw-pat');
    expect(holder.jid?.local).toBe('pat');
  });
});
