/**
 * Starts a real Stoa server in-process on a fresh data folder (real SQLite, real HTTP and
 * WebSocket on a free loopback port). Password hashing uses cheap Argon2 parameters for speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argon2Hasher } from '../../src/auth/argon2-hasher.ts';
import { buildServer, type StoaServer } from '../../src/compose.ts';
import { DEFAULTS, type Config } from '../../src/config/config.ts';

export interface TestServer {
  readonly server: StoaServer;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startTestServer(
  config: Partial<Config> = {},
  clock?: () => number,
): Promise<TestServer> {
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'stoa-test-'));
  const server = await buildServer(
    { ...DEFAULTS, logLevel: 'silent', ...config, dataDir, host: '127.0.0.1', port: 0 },
    { hasher: argon2Hasher('fast-for-tests'), ...(clock ? { clock } : {}) },
  );
  const url = await server.listen();
  return {
    server,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/api/v1/ws`,
    dataDir,
    async close() {
      await server.close();
      if (config.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
