// Contract suite for core's SessionDirectory port (volatile, shared by every node). Every backend
// runs this same suite (memory, Redis).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DirectoryEntry, SessionDirectory } from '@deskchat/core';

export interface SessionDirectoryFixture {
  directory: SessionDirectory;
  cleanup?: () => Promise<void>;
}

const entry = (username: string, resource: string, sessionId: string, node = 'imp1a', extra: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  username,
  resource,
  sessionId,
  node,
  transport: 'tcp',
  isAvailable: false,
  priority: 0,
  carbons: false,
  interested: false,
  boundAt: 1_700_000_000_000,
  ...extra,
});
const rules = { maxPerUser: 3, onConflict: 'replace' as const };
const sorted = (entries: DirectoryEntry[]) => entries.map((e) => `${e.username}/${e.resource}@${e.node}:${e.sessionId}`).sort();

export function sessionDirectoryContract(name: string, make: () => Promise<SessionDirectoryFixture>): void {
  describe(`SessionDirectory contract: ${name}`, () => {
    let directory: SessionDirectory;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ directory, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('registers a resource and returns it whole; unknown resources are undefined', async () => {
      const e = entry('alice', 'desk', 's1', 'imp1a', { transport: 'bosh', boundAt: 42 });
      await expect(directory.register(e, rules)).resolves.toEqual({ status: 'registered' });
      await expect(directory.get('alice', 'desk')).resolves.toEqual(e);
      await expect(directory.get('alice', 'phone')).resolves.toBeUndefined();
      await expect(directory.get('bob', 'desk')).resolves.toBeUndefined();
    });

    it("lists a user's resources on every node, and a node's entries across users", async () => {
      await directory.register(entry('alice', 'desk', 's1', 'imp1a'), rules);
      await directory.register(entry('alice', 'phone', 's2', 'imp2b'), rules);
      await directory.register(entry('bob', 'web', 's3', 'imp1a'), rules);
      expect(sorted(await directory.resourcesOf('alice'))).toEqual(['alice/desk@imp1a:s1', 'alice/phone@imp2b:s2']);
      expect(sorted(await directory.entriesOfNode('imp1a'))).toEqual(['alice/desk@imp1a:s1', 'bob/web@imp1a:s3']);
      await expect(directory.resourcesOf('carol')).resolves.toEqual([]);
      await expect(directory.entriesOfNode('imp9z')).resolves.toEqual([]);
    });

    it('replaces the holder of a resource in use and returns it, so that its node can close it (RFC 6120 §7.7.2.2)', async () => {
      await directory.register(entry('alice', 'desk', 's1', 'imp1a'), rules);
      const result = await directory.register(entry('alice', 'desk', 's2', 'imp2a'), rules);
      expect(result).toEqual({ status: 'registered', replaced: entry('alice', 'desk', 's1', 'imp1a') });
      await expect(directory.get('alice', 'desk')).resolves.toMatchObject({ sessionId: 's2', node: 'imp2a' });
      expect(sorted(await directory.entriesOfNode('imp1a'))).toEqual([]);
    });

    it('refuses a resource in use when the rule says so, changing nothing', async () => {
      await directory.register(entry('alice', 'desk', 's1'), rules);
      const result = await directory.register(entry('alice', 'desk', 's2'), { ...rules, onConflict: 'refuse' });
      expect(result).toEqual({ status: 'conflict', holder: entry('alice', 'desk', 's1') });
      await expect(directory.get('alice', 'desk')).resolves.toMatchObject({ sessionId: 's1' });
    });

    it('enforces the per-user limit, not counting the entry a bind replaces (RFC 6120 §7.6.2.1)', async () => {
      for (const [i, r] of ['a', 'b', 'c'].entries()) await directory.register(entry('alice', r, `s${i}`), rules);
      await expect(directory.register(entry('alice', 'd', 's9'), rules)).resolves.toEqual({ status: 'limit' });
      await expect(directory.get('alice', 'd')).resolves.toBeUndefined();
      await expect(directory.register(entry('alice', 'b', 's10'), rules)).resolves.toMatchObject({ status: 'registered' });
      await expect(directory.register(entry('bob', 'a', 's11'), rules)).resolves.toEqual({ status: 'registered' });
    });

    it('lets only concurrent binds up to the limit in, whatever their order', async () => {
      const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((r, i) => directory.register(entry('alice', r, `s${i}`), rules)));
      expect(results.filter((r) => r.status === 'registered')).toHaveLength(3);
      await expect(directory.resourcesOf('alice')).resolves.toHaveLength(3);
    });

    it('updates flags only for the session that owns the entry', async () => {
      await directory.register(entry('alice', 'desk', 's1'), rules);
      await expect(directory.update('alice', 'desk', 's1', { isAvailable: true, priority: -5, carbons: true })).resolves.toBe(true);
      await expect(directory.update('alice', 'desk', 'old', { isAvailable: false })).resolves.toBe(false);
      await expect(directory.update('alice', 'gone', 's1', { interested: true })).resolves.toBe(false);
      await expect(directory.get('alice', 'desk')).resolves.toMatchObject({ isAvailable: true, priority: -5, carbons: true, interested: false });
      await directory.update('alice', 'desk', 's1', { interested: true });
      await expect(directory.get('alice', 'desk')).resolves.toMatchObject({ isAvailable: true, priority: -5, carbons: true, interested: true });
    });

    it("unregisters only for the owning session: a replaced session's late cleanup leaves its successor alone", async () => {
      await directory.register(entry('alice', 'desk', 's1'), rules);
      await directory.register(entry('alice', 'desk', 's2'), rules);
      await expect(directory.unregister('alice', 'desk', 's1')).resolves.toBe(false);
      await expect(directory.get('alice', 'desk')).resolves.toMatchObject({ sessionId: 's2' });
      await expect(directory.unregister('alice', 'desk', 's2')).resolves.toBe(true);
      await expect(directory.get('alice', 'desk')).resolves.toBeUndefined();
      await expect(directory.resourcesOf('alice')).resolves.toEqual([]);
      await expect(directory.entriesOfNode('imp1a')).resolves.toEqual([]);
    });

    it('moves an entry to another node for its own session only, and keeps the resume id', async () => {
      await directory.register(entry('alice', 'web', 's1', 'imp1a', { transport: 'bosh', resumeId: 'sid-1' }), rules);
      await expect(directory.move('alice', 'web', 'other', 'imp1b')).resolves.toBe(false);
      await expect(directory.move('alice', 'web', 's1', 'imp1b')).resolves.toBe(true);
      await expect(directory.get('alice', 'web')).resolves.toMatchObject({ node: 'imp1b', sessionId: 's1', resumeId: 'sid-1' });
      expect(sorted(await directory.entriesOfNode('imp1a'))).toEqual([]);
      expect(sorted(await directory.entriesOfNode('imp1b'))).toEqual(['alice/web@imp1b:s1']);
      // The old node's late cleanup names itself and changes nothing.
      await expect(directory.unregister('alice', 'web', 's1', 'imp1a')).resolves.toBe(false);
      await expect(directory.unregister('alice', 'web', 's1', 'imp1b')).resolves.toBe(true);
    });

    it('returns copies: changing a returned entry changes nothing stored', async () => {
      await directory.register(entry('alice', 'desk', 's1'), rules);
      const got = (await directory.get('alice', 'desk'))!;
      got.priority = 99;
      (await directory.resourcesOf('alice'))[0].carbons = true;
      await expect(directory.get('alice', 'desk')).resolves.toMatchObject({ priority: 0, carbons: false });
    });
  });
}
