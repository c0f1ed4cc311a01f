#!/usr/bin/env node
// The Stoa server (packages/server/src/main.ts), run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
