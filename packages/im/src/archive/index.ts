export { archiveModule, isArchivable, withoutClaimedIds, ARCHIVE_PRIORITY } from './archive-module.js';
export { parseArchiveOptions, DEFAULT_ARCHIVE_OPTIONS, type ArchiveOptions } from './options.js';
