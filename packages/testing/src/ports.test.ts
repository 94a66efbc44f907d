import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { freePort } from './ports.js';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => resolve(server));
  });
}

describe('freePort', () => {
  it('gives ports below the kernel ephemeral range, never the same one twice in a file', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(20_000);
  });

  it('skips a port something already listens on', async () => {
    // Find where the cursor is, take the next port ourselves, and see it passed over.
    const before = await freePort();
    const taken = await listen(before + 1);
    try {
      const next = await freePort();
      expect(next).not.toBe(before + 1);
      // The cursor moves on by one (at the top of the range it wraps to the bottom).
      expect(next).toBe(before + 2 < ephemeralLow ? before + 2 : 20_000 + (before + 2 - ephemeralLow));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('gives a port a server can then listen on', async () => {
    const port = await freePort();
    const server = await listen(port);
    expect((server.address() as net.AddressInfo).port).toBe(port);
    await new Promise((resolve) => server.close(resolve));
  });
});
