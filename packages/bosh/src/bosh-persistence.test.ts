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
