/**
 * The running server marks its data folder with `stoa.pid` ({pid, url}); the command line refuses
 * to change a folder a live server owns (its caches and connections would not see the change) and
 * points to --url instead.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = (dataDir: string) => join(dataDir, 'stoa.pid');

export function markRunning(dataDir: string, url: string): () => void {
  writeFileSync(file(dataDir), JSON.stringify({ pid: process.pid, url }));
  return () => rmSync(file(dataDir), { force: true });
}

/** The URL of a live server using the folder, if any (stale marks of dead processes are ignored). */
export function runningServer(dataDir: string): string | undefined {
  if (!existsSync(file(dataDir))) return undefined;
  try {
    const { pid, url } = JSON.parse(readFileSync(file(dataDir), 'utf8')) as { pid: number; url: string };
    process.kill(pid, 0);
    return url;
  } catch {
    return undefined;
  }
}
