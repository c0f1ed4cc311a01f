/**
 * `stoa-server`: loads configuration, builds the server, creates the first administrator on an
 * empty data folder (printing its password once), and listens.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { doCreateUser } from './actions/directory.ts';
import { buildServer, VERSION } from './compose.ts';
import { markRunning } from './cli/lock.ts';
import { ConfigError, CONFIG_ENV, DEFAULTS, loadConfig } from './config/config.ts';

const HELP = `stoa-server ${VERSION}: the Stoa persistent chat server

Usage: stoa-server [options]

  --data-dir DIR     where the database and files live (default ${DEFAULTS.dataDir}; env ${CONFIG_ENV.dataDir})
  --host HOST        address to listen on (default ${DEFAULTS.host}; env ${CONFIG_ENV.host})
  --port PORT        port to listen on (default ${DEFAULTS.port}; env ${CONFIG_ENV.port}; 0 = any free port)
  --check-config     print the effective configuration and exit
  --version          print the version
  -h, --help         this help

Every setting can also come from <data-dir>/stoa.json or the STOA_* environment (docs/operations.md).
On an empty data folder an administrator "admin" is created and its password printed once.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'check-config': { type: 'boolean' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(HELP);
    return;
  }
  if (values.version === true) {
    console.log(VERSION);
    return;
  }
  const config = loadConfig(process.env, {
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.port !== undefined ? { port: values.port } : {}),
  });
  if (values['check-config'] === true) {
    console.log(JSON.stringify(config, null, 2));
    return;
  }
  const server = await buildServer(config, { logger: { level: config.logLevel } });
  if ((await server.ctx.store.read.countUsers()) === 0) {
    const password = randomBytes(12).toString('base64url');
    await doCreateUser(
      server.ctx,
      { kind: 'system', job: 'first-start' },
      { username: 'admin', displayName: 'Administrator', password, isAdmin: true },
    );
    console.log(
      `\n  First start: created administrator "admin" with password ${password}\n  (shown once; change it with PATCH /api/v1/users/<id>)\n`,
    );
  }
  const address = await server.listen();
  const unmark = markRunning(config.dataDir, address);
  console.log(`Stoa ${VERSION} listening on ${address} (data in ${config.dataDir})`);
  const stop = () => {
    unmark();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
