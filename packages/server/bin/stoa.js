#!/usr/bin/env node
// The `stoa` administration command (packages/server/src/cli/main.ts), run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
