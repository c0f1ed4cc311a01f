/**
 * `stoa`: the administration command line. Works on a data folder (default ./data, or
 * --data-dir) as the CLI actor, or with --url and --token against a running server through the
 * admin API as that token's administrator: the same commands either way.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { StoaError } from '../domain/errors.ts';
import { ADMIN_COMMANDS, commandByName } from '../admin/registry.ts';
import { runAdminCommand, type CommandOutcome } from '../admin/run.ts';
import { changesState, type AdminCommand } from '../admin/command.ts';
import { downloadArchive, localArchive, progressOnStderr, uploadArchive, type Progress } from './archive.ts';
import { buildCore, DATABASE_FILE, VERSION } from '../compose.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { runningServer } from './lock.ts';
import { render } from './output.ts';
import { commandHelp, parseCommandInput, UsageError } from './parse.ts';

const GLOBAL_HELP = `stoa ${VERSION}: administer a Stoa server

Usage: stoa [global options] <command> [arguments] [options]

Global options:
  --data-dir DIR     work on this data folder (default ./data; env STOA_DATA_DIR)
  --url URL          work on a running server instead (env STOA_URL)
  --token TOKEN      an administrator's bearer token for --url (env STOA_TOKEN)
  --json             print JSON instead of tables
  --dry-run          show what a changing command would do, change nothing
  --progress         show the progress of export and import on stderr also when it is
                     not a terminal (never with --json)
  -h, --help         help (after a command: that command's help)
  --version          print the version

Commands:
${ADMIN_COMMANDS.map((c) => `  ${c.name.padEnd(20)} ${c.summary}`).join('\n')}
  ${'check'.padEnd(20)} sign in two users, exchange a pair of messages in a room (needs --url)

Changing a data folder that a running server uses is refused: use --url and --token.
Exit status: 0 done, 1 refused or failed (the error code is printed), 2 usage error.`;

interface Globals {
  dataDir?: string | undefined;
  url?: string | undefined;
  token?: string | undefined;
  json: boolean;
  dryRun: boolean;
  progress: boolean;
  help: boolean;
  version: boolean;
  rest: string[];
}

function splitGlobals(argv: readonly string[]): Globals {
  const g: Globals = { json: false, dryRun: false, progress: false, help: false, version: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--data-dir') g.dataDir = value();
    // After a command that has its own --url option (add-ins), --url is that option.
    else if (flag === '--url' && !commandTakesUrl(g.rest)) g.url = value();
    else if (flag === '--token') g.token = value();
    else if (flag === '--json') g.json = true;
    else if (flag === '--dry-run') g.dryRun = true;
    else if (flag === '--progress') g.progress = true;
    else if (flag === '-h' || flag === '--help') g.help = true;
    else if (flag === '--version') g.version = true;
    else g.rest.push(arg);
  }
  // An explicit --data-dir means this folder, whatever STOA_URL says.
  if (g.dataDir === undefined) g.url ??= process.env.STOA_URL || undefined;
  g.token ??= process.env.STOA_TOKEN || undefined;
  return g;
}

function commandTakesUrl(wordsSoFar: readonly string[]): boolean {
  const words = wordsSoFar.filter((w) => !w.startsWith('-'));
  return findCommand(words)?.command.options.url !== undefined;
}

function findCommand(words: readonly string[]): { command: AdminCommand; rest: string[] } | undefined {
  for (const n of [2, 1]) {
    const command = commandByName.get(words.slice(0, n).join(' '));
    if (command) return { command, rest: words.slice(n) };
  }
  return undefined;
}

async function runRemote(
  g: Globals,
  command: AdminCommand,
  given: Record<string, unknown>,
  progress: Progress | undefined,
): Promise<CommandOutcome> {
  if (!g.token)
    throw new UsageError('--url needs --token (or STOA_TOKEN): create one with `stoa token create <admin>`');
  const url = g.url ?? '';
  // Import: the archive goes up first; the command then names the server's copy.
  const input = command.archive === 'in' ? await uploadArchive(url, g.token, given, progress) : given;
  const res = await fetch(`${g.url ?? ''}/api/v1/admin/commands/${command.name.replace(/ /g, '.')}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input, dryRun: g.dryRun }),
  });
  const body = (await res.json()) as CommandOutcome & {
    error?: { code: StoaError['code']; message: string };
  };
  if (body.error) throw new StoaError(body.error.code, body.error.message);
  if (command.archive === undefined) return body;
  // Export: the server wrote the archive; fetch it. Either way, report the command line's file.
  const { download, ...result } = body.result as { download?: string };
  if (download !== undefined) await downloadArchive(url, g.token, download, given, progress);
  return { ...body, result: { ...result, file: given.file } };
}

async function runLocal(
  g: Globals,
  command: AdminCommand,
  input: Record<string, unknown>,
  progress: Progress | undefined,
): Promise<CommandOutcome> {
  const config = loadConfig(process.env, g.dataDir === undefined ? {} : { dataDir: g.dataDir });
  const live = runningServer(config.dataDir);
  if (live && changesState(command, input) && !g.dryRun) {
    throw new StoaError(
      'conflict',
      `a server is running on ${config.dataDir} (${live}): use --url ${live} --token …`,
    );
  }
  if (!changesState(command, input) && !existsSync(join(config.dataDir, DATABASE_FILE))) {
    // A read-only command on a mistyped folder must not leave an empty database behind.
    throw new StoaError(
      'not_found',
      `no Stoa database in ${config.dataDir}: start the server there once, or pass --data-dir or --url`,
    );
  }
  const archive = await localArchive(command, input, g.dryRun);
  const core = await buildCore(config);
  try {
    const outcome = await runAdminCommand(
      core.ctx,
      { kind: 'cli', osUser: userInfo().username },
      command,
      input,
      { config, ...archive.env, ...(progress ? { progress } : {}) },
      g.dryRun,
    );
    await archive.done();
    return outcome;
  } catch (error) {
    await archive.abort();
    throw error;
  } finally {
    await core.close();
  }
}

function print(g: Globals, command: AdminCommand, outcome: CommandOutcome): void {
  if (g.json) {
    console.log(JSON.stringify(outcome.planned ? outcome : outcome.result, null, 2));
    return;
  }
  if (outcome.planned) {
    console.log('Dry run: nothing was changed. It would:');
    for (const p of outcome.planned)
      console.log(`  ${p.action} ${p.target}${p.details ? ` ${JSON.stringify(p.details)}` : ''}`);
    console.log('');
  }
  console.log(render(outcome.result, command.columns));
}

async function main(argv: readonly string[]): Promise<number> {
  const g = splitGlobals(argv);
  if (g.version) {
    console.log(VERSION);
    return 0;
  }
  if (g.rest[0] === 'check') {
    if (g.help) {
      console.log('stoa check --url URL --room NAME --user1 NAME --password1 PW --user2 NAME --password2 PW');
      return 0;
    }
    const opts = Object.fromEntries(
      g.rest.slice(1).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
    ) as Record<string, string>;
    if (!g.url || !opts.room || !opts.user1 || !opts.user2)
      throw new UsageError('check needs --url, --room, --user1/--password1 and --user2/--password2');
    const { syntheticCheck } = await import('./check.ts');
    const result = await syntheticCheck({
      url: g.url,
      room: opts.room,
      users: [
        { username: opts.user1, password: opts.password1 ?? '' },
        { username: opts.user2, password: opts.password2 ?? '' },
      ],
    });
    console.log(
      g.json
        ? JSON.stringify(result, null, 2)
        : `check passed: ${result.steps.length} steps, message round trip ${result.roundTripMs} ms`,
    );
    return 0;
  }
  const found = findCommand(g.rest);
  if (!found) {
    if (g.help || g.rest.length === 0) {
      console.log(GLOBAL_HELP);
      return g.rest.length === 0 && !g.help ? 2 : 0;
    }
    throw new UsageError(`unknown command: ${g.rest.slice(0, 2).join(' ')} (stoa --help lists them)`);
  }
  if (g.help) {
    console.log(commandHelp(found.command));
    return 0;
  }
  const input = parseCommandInput(found.command, found.rest);
  // Progress of long commands: on a terminal, or with --progress; never with --json.
  const shown =
    found.command.archive !== undefined && !g.json && (g.progress || process.stderr.isTTY)
      ? progressOnStderr(process.stderr.isTTY)
      : undefined;
  try {
    const outcome = g.url
      ? await runRemote(g, found.command, input, shown?.report)
      : await runLocal(g, found.command, input, shown?.report);
    shown?.end();
    print(g, found.command, outcome);
  } catch (error) {
    shown?.end();
    throw error;
  }
  return 0;
}

// `stoa … | head`: a reader that went away is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`usage error: ${error.message}`);
      process.exitCode = 2;
    } else if (error instanceof StoaError) {
      console.error(`error: ${error.code}: ${error.message}`);
      process.exitCode = 1;
    } else if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(`error: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  },
);
