/**
 * The common set-up of scenario tests: a real server on a temporary data folder, the org of
 * org.ts, every user of it signed in, and WebSocket clients that are all closed at the end.
 * Registers its own `before`/`after` hooks; call it inside a `describe`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { WsClient, login } from './clients.ts';
import { buildOrg, type Org } from './org.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface OrgServer {
  /** The running server (replaced by `restart`). */
  readonly t: TestServer;
  readonly org: Org;
  /** A session token per username. */
  readonly tokens: Record<string, string>;
  /** A WebSocket client signed in as `user`, closed after the suite. */
  readonly connect: (user: string) => Promise<WsClient>;
  /** Closes the clients, stops the server and starts it again on the same data folder. */
  readonly restart: () => Promise<void>;
}

export function orgServer(): OrgServer {
  let dataDir = '';
  let t: TestServer | undefined;
  let org: Org | undefined;
  const clients: WsClient[] = [];
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test server is not started yet');
    return value;
  };
  const env: OrgServer = {
    get t() {
      return started(t);
    },
    get org() {
      return started(org);
    },
    tokens: {},
    connect: async (user) => {
      const c = await WsClient.connect(env.t.wsUrl, env.tokens[user] as string);
      clients.push(c);
      return c;
    },
    restart: async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await env.t.close();
      t = await startTestServer({ dataDir });
    },
  };
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stoa-scenario-'));
    t = await startTestServer({ dataDir });
    org = await buildOrg(t.server.ctx);
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'root']) env.tokens[u] = await login(t.url, u);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return env;
}
