import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../contract.ts';
import { openSqliteStore } from './sqlite-store.ts';

storeContract('sqlite', () =>
  openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'stoa-store-')), 'stoa.db') }),
);
