// The SOCKS5 relay of XEP-0065 §6 over real loopback sockets: pairing by hash (target first), the
// RFC 1928 refusals, activation, and the policy on the relayed bytes (size cap, content, rate),
// idle pairs and the stream limit.
import { describe, it, expect, afterEach } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { socks5Connect, type Socks5Connection } from '../__tests__/socks5-client.js';
import { pdf, windowsExecutable } from '../__tests__/samples.js';
import { checkContent } from '../policy/check.js';
import { parseFilePolicy } from '../policy/policy.js';
import { Socks5Proxy, streamHash } from './socks5-proxy.js';

let proxy: Socks5Proxy | undefined;
const open: Socks5Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.socket.destroy();
  await proxy?.close();
  proxy = undefined;
});

async function start(options: Partial<ConstructorParameters<typeof Socks5Proxy>[0]> = {}): Promise<number> {
  const started = new Socks5Proxy({ idleSeconds: 30, maxStreams: 10, bytesPerSecond: 0, ...options });
  proxy = started;
  await new Promise<void>((resolve) => started.server.listen(0, '127.0.0.1', resolve));
  return started.port;
}

/** The running proxy (each test starts one). */
const relay = () => proxy!;

async function connect(port: number, hash: string, methods?: number[]): Promise<Socks5Connection> {
  const connection = await socks5Connect(port, hash, methods);
  open.push(connection);
  return connection;
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hash = () => streamHash(randomBytes(8).toString('hex'), 'alice@localhost/desk', 'bob@localhost/laptop');

describe('the SOCKS5 proxy (XEP-0065 §6)', () => {
  it('computes the hash as SHA1(sid + requester + target) in hex (§5.3.2)', () => {
    expect(streamHash('vxf9n471bn46', 'requester@example.com/foo', 'target@example.org/bar')).toBe(createHash('sha1').update('vxf9n471bn46requester@example.com/footarget@example.org/bar').digest('hex'));
  });

  it('pairs the target and the requester by hash and relays the file both ways once activated, byte for byte', async () => {
    const port = await start();
    const h = hash();
    const target = await connect(port, h);
    const requester = await connect(port, h);
    expect([target.reply, requester.reply]).toEqual([0, 0]);
    expect(relay().activate(h, { maxBytes: 10_000_000 })).toBe('activated');
    const file = pdf(3 * 1024 * 1024);
    requester.socket.end(file);
    target.socket.write('ack');
    await until(() => target.received().length === file.length, 'the whole file at the target');
    expect(sha(target.received())).toBe(sha(file));
    await until(() => requester.received().toString() === 'ack', 'the reply at the requester');
  });

  it('refuses activation until both parties are connected, and a third connection to the same hash', async () => {
    const port = await start();
    const h = hash();
    await connect(port, h);
    expect(relay().activate(h, { maxBytes: 1 })).toBe('not-connected');
    await connect(port, h);
    expect((await connect(port, h)).reply).toBe(0x02);
  });

  it('refuses a client without the no-authentication method, and an address that is not a hash', async () => {
    const port = await start();
    expect((await connect(port, hash(), [0x02])).reply).toBe(0xff);
    expect((await connect(port, 'example.com')).reply).toBe(0x02);
  });

  it('cuts a stream past maxBytes (files.maxBytes): the target never gets more', async () => {
    const port = await start();
    const h = hash();
    const target = await connect(port, h);
    const requester = await connect(port, h);
    relay().activate(h, { maxBytes: 100_000 });
    requester.socket.write(pdf(300_000));
    await target.closed;
    expect(target.received().length).toBeLessThanOrEqual(100_000);
  });

  it('cuts a stream whose first bytes are a refused type, before the target gets any', async () => {
    const port = await start();
    const h = hash();
    const target = await connect(port, h);
    const requester = await connect(port, h);
    const policy = parseFilePolicy({});
    relay().activate(h, { maxBytes: 10_000_000, checkHead: (head) => checkContent(policy, 'report.pdf', head) });
    requester.socket.write(windowsExecutable(50_000));
    await target.closed;
    expect(target.received().length).toBe(0);
  });

  it('checks the content of a stream shorter than the sniffed head when it ends', async () => {
    const port = await start();
    const h = hash();
    const target = await connect(port, h);
    const requester = await connect(port, h);
    const policy = parseFilePolicy({});
    relay().activate(h, { maxBytes: 10_000_000, checkHead: (head) => checkContent(policy, 'notes.txt', head) });
    requester.socket.end(windowsExecutable(512));
    await target.closed;
    expect(target.received().length).toBe(0);
  });

  it('paces a stream at bytesPerSecond', async () => {
    const port = await start({ bytesPerSecond: 200_000 });
    const h = hash();
    const target = await connect(port, h);
    const requester = await connect(port, h);
    relay().activate(h, { maxBytes: 10_000_000 });
    const started = Date.now();
    requester.socket.end(pdf(100_000));
    await until(() => target.received().length === 100_000, 'the paced file');
    expect(Date.now() - started).toBeGreaterThanOrEqual(490); // 100 kB at 200 kB/s
  });

  it('closes a pair that is not activated within idleSeconds', async () => {
    const port = await start({ idleSeconds: 1 });
    const h = hash();
    const target = await connect(port, h);
    await target.closed;
    expect(relay().streamCount).toBe(0);
  });

  it('refuses streams past maxStreams with a general failure', async () => {
    const port = await start({ maxStreams: 1 });
    expect((await connect(port, hash())).reply).toBe(0);
    expect((await connect(port, hash())).reply).toBe(0x01);
  });
});
