// Free ports on loopback for end-to-end tests.
//
// A port the kernel hands out for `listen(0)` lies in the ephemeral range, where it is free only
// until something else takes it: the kernel gives the same range to every outgoing connection (each
// client socket of a test, each Redis connection of a node) and to every other `listen(0)`. A test
// that picks a port and has a child process listen on it seconds later lost that race in CI
// (EADDRINUSE on a node's admin port). So ports here come from below the ephemeral range, which the
// kernel never hands out by itself, one after another from a random start, each checked free by a
// bind: two calls in one test file never return the same port.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const LOWEST = 20_000;
let cursor: number | undefined;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const highest = ephemeralLow() - 1;
  const span = highest - LOWEST + 1;
  cursor ??= Math.floor(Math.random() * span);
  for (let tries = 0; tries < span; tries++) {
    const port = LOWEST + (cursor++ % span);
    if (await canListen(host, port)) return port;
  }
  throw new Error(`no free port on ${host} between ${LOWEST} and ${highest}`);
}

/** The low end of the kernel's ephemeral range (Linux); the common default elsewhere. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > LOWEST + 1000) return low;
  } catch {
    // not Linux: fall through
  }
  return 32_768;
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
