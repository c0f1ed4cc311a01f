/**
 * Starts a worker thread from a module of ours. The server runs its TypeScript through tsx
 * (`node --import tsx`, bin/stoa-server.js), and Node 20 does not carry that loader into worker
 * threads: a `.ts` entry is loaded through a small bootstrap that registers tsx in the thread
 * first. A `.js` entry (a build) is started directly.
 */
import { Worker } from 'node:worker_threads';

export function startTsWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
