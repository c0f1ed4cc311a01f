/**
 * The composition root: the one place that constructs adapters and wires the server together.
 * `buildServer(config, overrides)` returns a server ready to listen; tests pass overrides (a
 * clock, fast password hashing) but never replace our own components with mocks.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
// The HTTP stack is loaded only by buildServer, so the command line starts fast without it.
import { AccessState } from './access/access-state.ts';
import type { ActionContext, PasswordHasher } from './actions/context.ts';
import { doLeaveRoom } from './actions/chat.ts';
import { doSetPolicy } from './actions/directory.ts';
import { provideSearchIndex } from './actions/search.ts';
import { AlertEngine } from './alerts/engine.ts';
import { ThreadMatcher } from './alerts/matcher-thread.ts';
import { argon2Hasher } from './auth/argon2-hasher.ts';
import { complianceRuntime } from './compliance/runtime.ts';
import { ComplianceScheduler } from './compliance/scheduler.ts';
import { createFsBlobStore } from './blobs/fs/fs-blob-store.ts';
import type { BlobStore } from './blobs/types.ts';
import { createMemoryBus } from './bus/memory/memory-bus.ts';
import type { Bus, BusEvent } from './bus/types.ts';
import type { Config } from './config/config.ts';
import { GLOBAL_POLICY_ID } from './domain/policy.ts';
import { Hub } from './live/hub.ts';
import { Outbox } from './live/outbox.ts';
import { openSqliteSearch, SqliteSearch } from './search/sqlite/sqlite-search.ts';
import type { SearchIndex } from './search/types.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { WriteTurns } from './storage/sqlite/write-turns.ts';
import type { Store } from './storage/types.ts';
import type { ServerParts } from './transports/parts.ts';

export { VERSION } from './version.ts';
import { VERSION } from './version.ts';
/** The SQLite database of a data folder (with its -wal and -shm companions). */
export const DATABASE_FILE = 'stoa.db';

export interface Overrides {
  readonly store?: Store;
  readonly blobs?: BlobStore;
  readonly bus?: Bus;
  /** History search; by default the SQLite index of the store's file (none with another store). */
  readonly search?: SearchIndex;
  readonly clock?: () => number;
  readonly hasher?: PasswordHasher;
  readonly logger?: boolean | object;
}

export interface StoaServer {
  readonly app: FastifyInstance;
  readonly ctx: ActionContext;
  readonly parts: ServerParts;
  /** Keyword alerts and topic feeds (docs/decisions/0007). */
  readonly alerts: AlertEngine;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Keeps the access cache in step with what actions publish, on every node. */
function invalidator(access: AccessState) {
  return (event: BusEvent): void => {
    switch (event.kind) {
      case 'room.changed':
      case 'room.disabled':
      case 'room.deleted':
        access.invalidateRooms(event.roomId);
        return;
      case 'category.changed':
        access.invalidateRooms();
        return;
      case 'directory.changed':
        access.invalidateDirectory();
        return;
      case 'settings.changed':
        access.invalidateSettings();
        return;
      case 'message':
        access.noteMessage(event.roomId, event.message.seq);
        return;
      case 'messages.removed':
      case 'user.event':
      case 'invitations':
        return;
    }
  };
}

export interface StoaCore {
  readonly store: Store;
  readonly bus: Bus;
  readonly access: AccessState;
  readonly ctx: ActionContext;
  /** Shared by the store's writer and the search indexer (storage/sqlite/write-turns.ts). */
  readonly writeTurns: WriteTurns;
  /** Settles once the post lane's thread is ready, or could not start; at once without a lane. */
  readonly postLaneReady: Promise<void>;
  close(): Promise<void>;
}

/**
 * The server's SQLite store on its data folder. Its post lane's thread starts here, with the
 * server, not at the first post: until the lane is ready the event loop writes the posts, and a
 * busy room's first seconds after a start paid for that (docs/decisions/0013). The thread starts
 * while the rest of the server is built; the server listens once it is ready. A lane that cannot
 * start is logged by the store; posts then stay on the event loop.
 */
async function openOwnStore(
  config: Config,
  turns: WriteTurns,
  postLane: boolean,
  onError: (error: unknown) => void,
): Promise<{ store: Store; postLaneReady: Promise<void> }> {
  const store = await openSqliteStore({
    file: join(config.dataDir, DATABASE_FILE),
    synchronous: config.sqliteSynchronous,
    turns,
    postLane,
    onError,
  });
  const postLaneReady = store.postLane ? store.postLane.start().catch(() => undefined) : Promise.resolve();
  return { store, postLaneReady };
}

/**
 * Storage, bus, access cache and the action context, without any transport: what the server and
 * the `stoa` command line (working on a data folder) share.
 */
export async function buildCore(
  config: Config,
  overrides: Overrides = {},
  onError: (error: unknown) => void = () => undefined,
  /** Posts in a writer thread of their own (docs/decisions/0013): the server, not the command line. */
  postLane = false,
): Promise<StoaCore> {
  mkdirSync(config.dataDir, { recursive: true });
  // The store's writers (the event loop's and the post lane's) and the search indexer's thread
  // take turns at the write lock.
  const writeTurns = new WriteTurns();
  const { store, postLaneReady } = overrides.store
    ? { store: overrides.store, postLaneReady: Promise.resolve() }
    : await openOwnStore(config, writeTurns, postLane, onError);
  const bus = overrides.bus ?? createMemoryBus(onError);
  const access = new AccessState(store.read);
  bus.subscribe(invalidator(access));
  const ctx: ActionContext = {
    store,
    blobs: overrides.blobs ?? createFsBlobStore(join(config.dataDir, 'files')),
    bus,
    access,
    clock: overrides.clock ?? Date.now,
    newId: randomUUID,
    hasher: overrides.hasher ?? argon2Hasher(),
    limits: { maxMessageBytes: config.maxMessageBytes, sessionTtlMs: config.sessionTtlMs },
  };

  // The global policy always exists; Stoa enables chat by default (docs/decisions/0004).
  if (!(await store.read.listPolicies()).some((p) => p.id === GLOBAL_POLICY_ID)) {
    await doSetPolicy(
      ctx,
      { kind: 'system', job: 'bootstrap' },
      {
        name: GLOBAL_POLICY_ID,
        chatEnabled: true,
        description: 'applies to everyone without a more specific policy',
      },
    );
  }
  return {
    store,
    bus,
    access,
    ctx,
    writeTurns,
    postLaneReady,
    async close() {
      await bus.close();
      await store.close();
    },
  };
}

export async function buildServer(config: Config, overrides: Overrides = {}): Promise<StoaServer> {
  const { buildHttpApp } = await import('./transports/http/app.ts');
  let log: (error: unknown) => void = () => undefined;
  const core = await buildCore(config, overrides, (e) => log(e), true);
  const { access, bus, ctx } = core;
  const clock = ctx.clock;
  // History search (docs/search.md): indexes what is queued, then keeps up in the background.
  const search =
    overrides.search ??
    (overrides.store
      ? undefined
      : await openSqliteSearch({
          file: join(config.dataDir, DATABASE_FILE),
          onError: (e) => log(e),
          turns: core.writeTurns,
        }));
  if (search) provideSearchIndex(ctx, search);

  const hub = new Hub({
    access,
    participantLimit: async () => (await access.settings()).ParticipantUpdateLimit,
    recordPart: (userId, roomId, reason) => doLeaveRoom(ctx, { kind: 'user', userId }, roomId, reason),
    onError: (e) => log(e),
  });
  bus.subscribe(hub.onBusEvent);
  // Saved filters, evaluated after commit against every new message (docs/decisions/0007).
  const matcher = new ThreadMatcher((e) => log(e));
  await matcher.started;
  const alerts = new AlertEngine({ store: core.store, access, bus, matcher, onError: (e) => log(e) });
  bus.subscribe(alerts.onBusEvent);
  await alerts.start();

  const parts: ServerParts = {
    ctx,
    hub,
    outbox: new Outbox(),
    config,
    clock,
    version: VERSION,
    onError: (e) => log(e),
  };
  const app = await buildHttpApp(parts, overrides.logger ?? false);
  log = (error) => app.log.error({ err: error }, 'unexpected error');
  if (search instanceof SqliteSearch && search.rebuilt !== undefined)
    app.log.info(
      { reason: search.rebuilt, backlog: search.backlogAtMost() },
      'search index file built anew; the history is indexed again (in the background when large)',
    );
  // Compliance processing (docs/compliance.md): every node ticks; the lease in the store decides.
  const compliance = new ComplianceScheduler(complianceRuntime(ctx, config), (e) => log(e));
  compliance.start();

  return {
    app,
    ctx,
    parts,
    alerts,
    async listen() {
      await core.postLaneReady;
      return app.listen({ host: config.host, port: config.port });
    },
    async close() {
      await app.close();
      await compliance.stop();
      await alerts.close();
      await search?.close();
      await core.close();
    },
  };
}
