// Descriptors are the one resource every connection takes before anyone has said anything (issue
// #7 §2: 21,000 idle connections exhausted the 20,000-file limit and for 60 s the node refused
// every connection, the admin port included). The guard counts the connections of the client ports
// (c2s, direct TLS, HTTP for BOSH and WebSocket, the XEP-0065 proxy) and closes a new one at once past the node's cap
// (the process's file limit less `limits.descriptorReserve`, kept for the admin port, health
// checks, storage and logs) or past `limits.connectionsPerAddress`. The admin port is not guarded.
import fs from 'node:fs';
import type net from 'node:net';
import type { CoreOptions, Logger } from '@deskchat/core';

export class ConnectionGuard {
  readonly maxConnections: number;
  private readonly byAddress = new Map<string, number>();
  /** The 'close' listener of every guarded socket (`this` is the socket). */
  private readonly onClose: (this: net.Socket) => void;
  private total = 0;
  private refused = 0;

  constructor(
    private readonly limits: CoreOptions['limits'],
    private readonly log: Logger,
    fileLimit = openFileLimit(),
  ) {
    this.maxConnections = limits.maxConnections > 0 ? limits.maxConnections : Math.max(16, (fileLimit ?? 65_536) - limits.descriptorReserve);
    const guard = this;
    this.onClose = function onGuardedClose(this: net.Socket): void {
      guard.release(this.remoteAddress ?? 'unknown');
    };
  }

  /** Counts the connections of `server` ('connection' fires before TLS or HTTP parsing). */
  guard(server: net.Server): void {
    server.prependListener('connection', this.onConnection); // before the transport sees the socket
  }

  get size(): number {
    return this.total;
  }

  private release(address: string): void {
    this.total--;
    const left = (this.byAddress.get(address) ?? 1) - 1;
    if (left > 0) this.byAddress.set(address, left);
    else this.byAddress.delete(address);
  }

  private readonly onConnection = (socket: net.Socket): void => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = this.byAddress.get(address) ?? 0;
    if (this.total >= this.maxConnections || count >= this.limits.connectionsPerAddress) {
      // Logged once per hundred refusals: a flood must not become a flood of log lines.
      if (this.refused++ % 100 === 0) {
        const key = this.total >= this.maxConnections ? 'limits.maxConnections' : 'limits.connectionsPerAddress';
        this.log.warn({ remote: address, open: this.total, refused: this.refused }, `connection refused (${key})`);
      }
      socket.destroy();
      return;
    }
    this.total++;
    this.byAddress.set(address, count + 1);
    // One listener shared by every socket, not a closure per connection (~200 bytes each, on a node
    // that holds tens of thousands). `remoteAddress` still answers after close: node keeps it.
    socket.on('close', this.onClose);
  };
}

/** The soft limit on open files (RLIMIT_NOFILE) from /proc on Linux; undefined elsewhere. */
export function openFileLimit(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}
