import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobContract } from '../contract.ts';
import { createFsBlobStore } from './fs-blob-store.ts';

blobContract('fs', () => Promise.resolve(createFsBlobStore(mkdtempSync(join(tmpdir(), 'stoa-blobs-')))));
