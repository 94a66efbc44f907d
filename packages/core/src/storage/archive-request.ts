// XEP-0313 query (as read by protocol's parseMamQuery) → one page of an ArchiveStore, with the
// errors the spec names: an id the archive does not hold → item-not-found (XEP-0059 §2.2 and
// XEP-0313 §4.1.4). Shared by the user archive (im) and room archives (muc).
import { StanzaError, type MamQuery } from '@deskchat/protocol';
import type { ArchivePage, ArchiveStore } from './archive.js';

export interface ArchivePaging {
  defaultPageSize: number;
  maxPageSize: number;
}

/** Runs `query` on `archive`; `withKey` turns the `with` JID into the key messages are indexed by. */
export async function queryArchive(store: ArchiveStore, archive: string, query: MamQuery, paging: ArchivePaging, withKey: (jid: string) => string = (jid) => jid): Promise<ArchivePage> {
  const page = await store.query(archive, {
    ...(query.with ? { with: withKey(query.with.toString()) } : {}),
    ...(query.start !== undefined ? { start: query.start } : {}),
    ...(query.end !== undefined ? { end: query.end } : {}),
    ...(query.afterId !== undefined ? { afterId: query.afterId } : {}),
    ...(query.beforeId !== undefined ? { beforeId: query.beforeId } : {}),
    ...(query.ids ? { ids: query.ids } : {}),
    ...(query.after !== undefined ? { rsmAfter: query.after } : {}),
    ...(typeof query.before === 'string' ? { rsmBefore: query.before } : {}),
    ...(query.before !== undefined ? { fromEnd: true } : {}),
    ...(query.index !== undefined ? { index: query.index } : {}),
    max: Math.min(query.max ?? paging.defaultPageSize, paging.maxPageSize),
  });
  if (!page) throw new StanzaError('item-not-found', 'no message in this archive has that id (XEP-0313 §4.1.4, XEP-0059 §2.2)');
  return page;
}
