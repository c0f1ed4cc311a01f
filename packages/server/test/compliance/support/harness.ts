/**
 * A real server (real SQLite, real actions, the fixture organisation) with a scripted clock, a
 * compliance runtime bound to it, and helpers to read what the adapters wrote.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionContext } from '../../../src/actions/context.ts';
import { doSetComplianceConfig } from '../../../src/actions/compliance.ts';
import { argon2Hasher } from '../../../src/auth/argon2-hasher.ts';
import { complianceRuntime, type ComplianceRuntime } from '../../../src/compliance/runtime.ts';
import { buildServer, type StoaServer } from '../../../src/compose.ts';
import { DEFAULTS } from '../../../src/config/config.ts';
import { buildOrg, CLI, type Org } from '../../support/org.ts';

export interface Harness {
  readonly server: StoaServer;
  readonly ctx: ActionContext;
  readonly org: Org;
  /** The scripted clock: set `now` before each action. */
  readonly clock: { now: number };
  readonly dataDir: string;
  readonly outDir: string;
  readonly rt: ComplianceRuntime;
  /** Another runner on the same store (a second node's identity). */
  runtime(overrides?: Partial<ComplianceRuntime>): ComplianceRuntime;
  configure(changes: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  changes: Record<string, unknown> = {},
  overrides: Partial<ComplianceRuntime> = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stoa-compliance-'));
  const outDir = join(dataDir, 'archive');
  const clock = { now: Date.UTC(2026, 10, 16, 8, 0) };
  const server = await buildServer(
    { ...DEFAULTS, logLevel: 'silent', sqliteSynchronous: 'normal', dataDir, host: '127.0.0.1', port: 0 },
    { hasher: argon2Hasher('fast-for-tests'), clock: () => clock.now },
  );
  const ctx = server.ctx;
  const org = await buildOrg(ctx);
  const runtime = (o: Partial<ComplianceRuntime> = {}) =>
    complianceRuntime(ctx, { dataDir }, { ...overrides, ...o });
  const configure = async (c: Record<string, unknown>) => {
    await doSetComplianceConfig(ctx, CLI, c, { minRunIntervalMs: 60_000 });
  };
  // The scheduler of this server must stay out of the way: the tests run the adapter themselves.
  await configure({ RunInterval: '30.00:00:00', AdapterOutputDirectory: outDir, ...changes });
  return {
    server,
    ctx,
    org,
    clock,
    dataDir,
    outDir,
    rt: runtime(),
    runtime,
    configure,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The files in an output folder, sorted by name; fails on leftover temporary files. */
export function outputFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const temp = names.filter((n) => n.startsWith('.'));
  if (temp.length > 0) throw new Error(`temporary files left behind: ${temp.join(', ')}`);
  return names;
}

export function readOutput(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}
