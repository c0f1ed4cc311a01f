#!/usr/bin/env -S node --max-semi-space-size=32
// The Stoa server (packages/server/src/main.ts), run through tsx. The V8 flag (a young generation
// of up to 32 MiB per semi-space) is docs/decisions/0014; `npm start` passes the same.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
