// What a BOSH session writes to shared state so that another node can continue it (issue
// "Failover", design.md §5), in the order it happens, on one promise chain per session:
//   - bind: the record (negotiated parameters, the bound resource, where the rids stand);
//   - every stanza for the client: appended to the durable outbox before anything else — unless a
//     response already carries it by the time its append step runs (the usual case for a session
//     with a held request): then the response's record is its one durable copy, written one step
//     sooner than the append would have been;
//   - a request with payloads: its rid, once the payloads are handled (routed): a resend of an
//     unrecorded rid to another node is handled there, a recorded one is not handled twice (a node
//     that dies between routing and recording leaves a duplicate rather than a loss);
//   - every response: recorded for its rid, taking its stanzas out of the outbox in the same step,
//     before the bytes are written to the client (a node that dies in between leaves the response
//     for the client to ask again, XEP-0124 §14.3);
//   - acknowledgements: responses the client has (§9.2) are dropped;
//   - a session that ends for good: removed.
// A single node has no shared BOSH state and writes nothing (no BoshPersistence at all).
import type { BoshOutboxEntry, BoshProgress, BoshStateRecord, BoshStateStore, Logger } from '@deskchat/core';

/** A stanza of the memory queue: its outbox number once appended; whether a response took it. */
interface Slot {
  seq?: number;
  isInResponse?: boolean;
}

export class BoshPersistence {
  private chain: Promise<unknown> = Promise.resolve();
  /**
   * One slot per stanza in the session's memory queue, in queue order. Its sequence number is filled
   * in by the append step; steps run in order, so it is known by the time a response step reads it.
   */
  private slots: Slot[] = [];
  /**
   * The outbox entries this session holds in memory: every seq it appended, pulled or restored,
   * until the response carrying it takes it out of the shared outbox. A pull takes every other
   * entry there. (Not "everything above the highest seq seen": another node's append may get a
   * lower number than a local append that finishes first, and would then never be pulled.)
   */
  private readonly inMemory = new Set<number>();

  constructor(
    private readonly store: BoshStateStore,
    readonly sid: string,
    private readonly log: Logger,
    restored: BoshOutboxEntry[] = [],
  ) {
    for (const entry of restored) this.inMemory.add(entry.seq);
    this.slots.push(...restored.map((e) => ({ seq: e.seq })));
  }

  /** Runs `step` after every earlier one; a failure is logged (the node keeps serving; fencing handles a lost store). */
  private then<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    const run = this.chain.then(step).catch((err: unknown) => {
      this.log.warn({ err, sid: this.sid, what }, 'could not keep BOSH state in the shared store');
      return undefined;
    });
    this.chain = run;
    return run;
  }

  save(record: BoshStateRecord): void {
    void this.then('save', () => this.store.save(record));
  }

  /** A stanza entered the memory queue (at its end). */
  appended(xml: string): void {
    const slot: Slot = {};
    this.slots.push(slot);
    void this.then('append', async () => {
      // A held request is answered in the service's next flush (a setImmediate scheduled as the
      // stanza was queued, before this): one turn later, a response has usually taken the stanza,
      // and its record is the stanza's durable copy (the next step).
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (slot.isInResponse) return;
      const [seq] = await this.store.append(this.sid, [xml]);
      slot.seq = seq;
      if (seq !== undefined) this.inMemory.add(seq);
    });
  }

  /**
   * Stanzas others appended for this session (a poke): `onFresh` gets those not in memory yet, in
   * order, at the moment their slots are added, so that the memory queue and the slots stay aligned.
   */
  pull(onFresh: (entries: BoshOutboxEntry[]) => void): Promise<void> {
    return this.then('pull', async () => {
      const fresh = (await this.store.outboxAfter(this.sid, 0)).filter((e) => !this.inMemory.has(e.seq));
      for (const entry of fresh) this.inMemory.add(entry.seq);
      this.slots.push(...fresh.map((e) => ({ seq: e.seq })));
      if (fresh.length > 0) onFresh(fresh);
    }).then(() => undefined);
  }

  received(progress: BoshProgress): Promise<void> {
    return this.then('received', () => this.store.received(this.sid, progress)).then(() => undefined);
  }

  /** A response carrying the first `count` queued stanzas is about to be written: resolves once it is recorded. */
  responded(rid: number, body: string, count: number, progress: BoshProgress, now: number): Promise<void> {
    const taken = this.slots.splice(0, count);
    for (const slot of taken) slot.isInResponse = true;
    return this.then('respond', async () => {
      const seqs = taken.flatMap((s) => (s.seq === undefined ? [] : [s.seq]));
      await this.store.responded(this.sid, { rid, body, sentAt: now }, seqs, progress);
      // Out of the shared outbox now, so no later pull can see them again.
      for (const seq of seqs) this.inMemory.delete(seq);
    }).then(() => undefined);
  }

  acknowledge(rid: number): void {
    void this.then('acknowledge', () => this.store.acknowledge(this.sid, rid));
  }

  /** The session ended for good: nobody may adopt it. */
  remove(): void {
    void this.then('remove', () => this.store.remove(this.sid));
  }
}
