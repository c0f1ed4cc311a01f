/**
 * Copies a closed store's database file together with its search file (search-file.ts,
 * docs/decisions/0018), for the benchmarks' cache of seeded databases: a database copied without
 * its search file would be indexed again from scratch while the benchmark measures.
 */
import { copyFileSync, existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { searchBacklog, searchFileOf } from '../../packages/server/src/search/sqlite/search-file.ts';

export function copyDatabase(from: string, to: string): void {
  for (const file of [from, searchFileOf(from)]) {
    if (!existsSync(file)) continue;
    const db = new BetterSqlite3(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  copyFileSync(from, to);
  if (existsSync(searchFileOf(from))) copyFileSync(searchFileOf(from), searchFileOf(to));
}

/** Waits until the running server's search indexer has no backlog, printing it as it goes. */
export async function waitForSearchIndex(file: string): Promise<void> {
  if (!existsSync(searchFileOf(file))) return;
  const started = performance.now();
  for (;;) {
    const n = searchBacklog(file);
    process.stderr.write(`\r  search index backlog: ${n} messages   `);
    if (n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  process.stderr.write(`(indexed in ${Math.round(performance.now() - started)} ms)\n`);
}
