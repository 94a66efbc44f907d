// BoshPersistence keeps a session's memory queue and its shared outbox in step (cluster mode). The
// store is core's in-memory BoshStateStore, which runs the same contract as the Redis one.
import { describe, expect, it } from '@jest/globals';
import { MemoryBoshStateStore, silentLogger, type BoshOutboxEntry, type BoshStateRecord } from '@deskchat/core';
import { BoshPersistence } from './bosh-persistence.js';

const SID = 'sid-1';
const record = (): BoshStateRecord => ({
  sid: SID,
  node: 'imp1a',
  username: 'alice',
  resource: 'desk',
  sessionId: 's1',
  streamId: 'st1',
  params: { firstRid: 1, wait: 60, hold: 1, requests: 2, inactivity: 60, polling: 2, maxPause: 120, ver: '1.11', contentType: 'text/xml; charset=utf-8', isAckEnabled: false, isSecure: false },
  highestRid: 1,
  lastActivity: 0,
});
const progress = { highestRid: 1, lastActivity: 0 };

async function setUp() {
  const store = new MemoryBoshStateStore();
  await store.save(record());
  const persistence = new BoshPersistence(store, SID, silentLogger);
  const pulled: string[] = [];
  const pull = () => persistence.pull((entries: BoshOutboxEntry[]) => pulled.push(...entries.map((e) => e.xml)));
  return { store, persistence, pulled, pull };
}

describe('BoshPersistence', () => {
  it("pulls another node's stanza whose number is below a local stanza appended after it (the first message after sign-in was lost this way)", async () => {
    const { store, persistence, pulled, pull } = await setUp();
    await store.append(SID, ['<message id="remote"/>']); // another node: seq 1, its poke still on the bus
    persistence.appended('<presence id="local"/>'); // this node: seq 2
    await pull();
    expect(pulled).toEqual(['<message id="remote"/>']);
  });

  it('never pulls what it already holds in memory, nor what a response already took out', async () => {
    const { store, persistence, pulled, pull } = await setUp();
    persistence.appended('<message id="a"/>');
    await store.append(SID, ['<message id="b"/>']);
    await pull();
    expect(pulled).toEqual(['<message id="b"/>']);
    await persistence.responded(2, '<body/>', 2, progress, 0);
    expect(await store.outboxAfter(SID, 0)).toEqual([]);
    await store.append(SID, ['<message id="c"/>']);
    await pull();
    await pull();
    expect(pulled).toEqual(['<message id="b"/>', '<message id="c"/>']);
  });

  it('takes out of the shared outbox exactly the stanzas a response carried, local and pulled alike', async () => {
    const { store, persistence, pull } = await setUp();
    persistence.appended('<message id="a"/>');
    await store.append(SID, ['<message id="b"/>']);
    await pull();
    persistence.appended('<message id="c"/>');
    await persistence.responded(2, '<body/>', 2, progress, 0); // a and b
    expect((await store.outboxAfter(SID, 0)).map((e) => e.xml)).toEqual(['<message id="c"/>']);
  });
});

describe('BoshPersistence, a stanza a response takes at once', () => {
  /** The in-memory store, counting its appends. */
  class CountingStore extends MemoryBoshStateStore {
    appends = 0;
    override append(sid: string, xml: string[]): Promise<number[]> {
      this.appends++;
      return super.append(sid, xml);
    }
  }

  it('is never appended to the outbox: the recorded response is its durable copy', async () => {
    const store = new CountingStore();
    await store.save(record());
    const persistence = new BoshPersistence(store, SID, silentLogger);
    persistence.appended('<message id="a"/>');
    // As BoshService does: the held request is answered in the flush a setImmediate runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await persistence.responded(2, '<body><message id="a"/></body>', 1, { highestRid: 2, lastActivity: 0 }, 0);
    expect(store.appends).toBe(0);
    expect(await store.outboxAfter(SID, 0)).toEqual([]);
    expect((await store.load(SID))?.responses.map((r) => r.body)).toEqual(['<body><message id="a"/></body>']);
  });

  it('is appended when no response takes it in that turn, and taken out by the response that carries it later', async () => {
    const store = new CountingStore();
    await store.save(record());
    const persistence = new BoshPersistence(store, SID, silentLogger);
    persistence.appended('<message id="a"/>');
    persistence.appended('<message id="b"/>');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(store.appends).toBe(2);
    expect((await store.outboxAfter(SID, 0)).map((e) => e.xml)).toEqual(['<message id="a"/>', '<message id="b"/>']);
    await persistence.responded(2, '<body/>', 1, progress, 0);
    expect((await store.outboxAfter(SID, 0)).map((e) => e.xml)).toEqual(['<message id="b"/>']);
  });
});
