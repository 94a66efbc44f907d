import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { privateXmlStoreContract } from '@deskchat/testing';
import { openDatabase } from './open-database.js';
import { SqlitePrivateXmlStore } from './sqlite-private-xml-store.js';

privateXmlStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskchat-private-'));
  const db = openDatabase(dir);
  return {
    store: new SqlitePrivateXmlStore(db),
    cleanup: async () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
