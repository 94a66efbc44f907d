// In-memory BoshStateStore (Cores sharing one process). Same contract as Redis. Everything is
// copied in and out, as a real store would.
import type { BoshOutboxEntry, BoshProgress, BoshResponseRecord, BoshState, BoshStateRecord, BoshStateStore } from './bosh-state.js';

interface Entry {
  record: BoshStateRecord;
  responses: BoshResponseRecord[];
  outbox: BoshOutboxEntry[];
  lastSeq: number;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class MemoryBoshStateStore implements BoshStateStore {
  private readonly sessions = new Map<string, Entry>();

  async save(record: BoshStateRecord): Promise<void> {
    const entry = this.sessions.get(record.sid);
    if (entry) entry.record = copy(record);
    else this.sessions.set(record.sid, { record: copy(record), responses: [], outbox: [], lastSeq: 0 });
  }

  async load(sid: string): Promise<BoshState | undefined> {
    const entry = this.sessions.get(sid);
    return entry && copy({ record: entry.record, responses: entry.responses, outbox: entry.outbox });
  }

  async append(sid: string, xml: string[]): Promise<number[]> {
    const entry = this.sessions.get(sid);
    if (!entry) return [];
    return xml.map((text) => {
      const seq = ++entry.lastSeq;
      entry.outbox.push({ seq, xml: text });
      return seq;
    });
  }

  async outboxAfter(sid: string, seq: number): Promise<BoshOutboxEntry[]> {
    return copy(this.sessions.get(sid)?.outbox.filter((e) => e.seq > seq) ?? []);
  }

  async received(sid: string, progress: BoshProgress): Promise<void> {
    const entry = this.sessions.get(sid);
    if (entry) Object.assign(entry.record, progress);
  }

  async responded(sid: string, response: BoshResponseRecord, seqs: number[], progress: BoshProgress): Promise<void> {
    const entry = this.sessions.get(sid);
    if (!entry) return;
    const sent = new Set(seqs);
    entry.outbox = entry.outbox.filter((e) => !sent.has(e.seq));
    entry.responses = [...entry.responses.filter((r) => r.rid !== response.rid), { ...response }].sort((a, b) => a.rid - b.rid);
    // Never more than a full window (plus one) of responses: the client cannot ask for older ones (§14.3).
    if (entry.responses.length > entry.record.params.requests + 1) entry.responses.shift();
    Object.assign(entry.record, progress);
  }

  async acknowledge(sid: string, rid: number): Promise<void> {
    const entry = this.sessions.get(sid);
    if (entry) entry.responses = entry.responses.filter((r) => r.rid > rid);
  }

  async claim(sid: string, from: string, to: string): Promise<boolean> {
    const entry = this.sessions.get(sid);
    if (!entry || entry.record.node !== from) return false;
    entry.record.node = to;
    return true;
  }

  async remove(sid: string): Promise<void> {
    this.sessions.delete(sid);
  }

  async sessionsOf(node: string): Promise<string[]> {
    return [...this.sessions.values()].filter((e) => e.record.node === node).map((e) => e.record.sid);
  }
}
