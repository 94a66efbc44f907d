// In-memory StreamResumptionStore: one node, or several Cores sharing it in one process (the
// harness's cluster mode). Same contract as Redis. Records are copied in and out, as a real store
// would, so that no caller holds a live reference to shared state.
import type { ClaimRequest, ResumableStream, StreamResumptionStore } from './stream-resumption-store.js';

const MOD = 2 ** 32;

export class MemoryStreamResumptionStore implements StreamResumptionStore {
  private readonly streams = new Map<string, ResumableStream>();

  async create(stream: ResumableStream): Promise<void> {
    this.streams.set(stream.id, copy(stream));
  }

  async get(id: string): Promise<ResumableStream | undefined> {
    const stream = this.streams.get(id);
    return stream && copy(stream);
  }

  async push(id: string, epoch: number, stanza: string): Promise<boolean> {
    const stream = this.held(id, epoch);
    stream?.unacked.push(stanza);
    return stream !== undefined;
  }

  async ack(id: string, epoch: number, h: number): Promise<boolean> {
    const stream = this.held(id, epoch);
    if (!stream) return false;
    const count = (((h - stream.acked) % MOD) + MOD) % MOD;
    stream.unacked.splice(0, Math.min(count, stream.unacked.length));
    stream.acked = h;
    return true;
  }

  async setInbound(id: string, epoch: number, h: number): Promise<boolean> {
    const stream = this.held(id, epoch);
    if (stream) stream.inbound = h;
    return stream !== undefined;
  }

  async hibernate(id: string, epoch: number, expiresAt: number): Promise<boolean> {
    const stream = this.held(id, epoch);
    if (stream) stream.expiresAt = expiresAt;
    return stream !== undefined;
  }

  async claim(id: string, request: ClaimRequest): Promise<ResumableStream | undefined> {
    const stream = this.held(id, request.epoch);
    if (!stream || stream.username !== request.username) return undefined;
    if (stream.expiresAt !== undefined && stream.expiresAt <= request.now) return undefined;
    stream.epoch++;
    stream.node = request.node;
    delete stream.expiresAt;
    return copy(stream);
  }

  async end(id: string, epoch: number): Promise<ResumableStream | undefined> {
    const stream = this.held(id, epoch);
    if (!stream) return undefined;
    this.streams.delete(id);
    return stream;
  }

  async ofNode(node: string): Promise<ResumableStream[]> {
    return [...this.streams.values()].filter((s) => s.node === node).map(copy);
  }

  /** Records held (for tests). */
  get size(): number {
    return this.streams.size;
  }

  private held(id: string, epoch: number): ResumableStream | undefined {
    const stream = this.streams.get(id);
    return stream?.epoch === epoch ? stream : undefined;
  }
}

function copy(stream: ResumableStream): ResumableStream {
  return { ...stream, unacked: [...stream.unacked] };
}
