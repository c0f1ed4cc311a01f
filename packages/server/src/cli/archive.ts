/**
 * The archive file of `stoa export` and `stoa import` on the command line's side: written to
 * `<file>.partial` and renamed only once complete (a failed export leaves no file that looks
 * whole), or read from disk; over --url, downloaded or uploaded around the command
 * (transports/http/routes-archive.ts). Progress goes to stderr.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AdminCommand, CommandEnv } from '../admin/command.ts';
import { nullSink } from '../archive/zip.ts';
import { fail, StoaError } from '../domain/errors.ts';

export type Progress = (phase: string, done: number, total: number) => void;

/**
 * Progress on stderr: one line redrawn on a terminal, a line every few seconds otherwise (only
 * with --progress). `end` finishes the line.
 */
export function progressOnStderr(tty: boolean): { report: Progress; end: () => void } {
  let last = 0;
  let shown = false;
  let lastPhase = '';
  const every = tty ? 200 : 5000;
  const report: Progress = (phase, done, total) => {
    const now = Date.now();
    if (phase === lastPhase && now - last < every && done < total) return;
    if (tty && shown && phase !== lastPhase) process.stderr.write('\n');
    last = now;
    lastPhase = phase;
    shown = true;
    const pct = total > 0 ? ` ${Math.min(100, Math.floor((done / total) * 100))}%` : '';
    const line = `${phase}:${pct} ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };
  const end = () => {
    if (tty && shown) process.stderr.write('\n');
  };
  return { report, end };
}

export interface LocalArchive {
  readonly env: Partial<CommandEnv>;
  /** After success: the file is put in place. */
  done(): Promise<void>;
  /** After a failure: nothing is left behind. */
  abort(): Promise<void>;
}

const fileOf = (input: Record<string, unknown>) => resolve(typeof input.file === 'string' ? input.file : '');

async function mustExist(path: string): Promise<number> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) fail('not_found', `file not found: ${path}`);
  return s.size;
}

/** The archive of a command run on a data folder. */
export async function localArchive(
  command: AdminCommand,
  input: Record<string, unknown>,
  dryRun: boolean,
): Promise<LocalArchive> {
  const path = fileOf(input);
  const nothing = () => Promise.resolve();
  if (command.archive === 'in') {
    await mustExist(path);
    return { env: { archiveIn: path }, done: nothing, abort: nothing };
  }
  if (command.archive !== 'out') return { env: {}, done: nothing, abort: nothing };
  if (dryRun) return { env: { archiveOut: nullSink() }, done: nothing, abort: nothing };
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  await new Promise<void>((ok, ko) => out.once('open', () => ok()).once('error', ko)).catch((e: unknown) =>
    fail('validation_failed', `cannot write ${path}: ${(e as Error).message}`),
  );
  return {
    env: { archiveOut: out },
    done: () => rename(partial, path),
    abort: async () => {
      out.destroy();
      await rm(partial, { force: true });
    },
  };
}

/** Counts bytes going through, for progress. */
function counter(total: number, progress: Progress | undefined, phase: string): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, next) {
      done += chunk.length;
      progress?.(phase, done, total);
      next(null, chunk);
    },
  });
}

async function errorOf(res: Response): Promise<StoaError> {
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code: StoaError['code']; message: string };
  };
  return body.error
    ? new StoaError(body.error.code, body.error.message)
    : new StoaError('internal', `the server answered ${res.status}`);
}

/** Uploads the archive of `stoa import --url`; the name the server gave it replaces `file`. */
export async function uploadArchive(
  url: string,
  token: string,
  input: Record<string, unknown>,
  progress: Progress | undefined,
): Promise<Record<string, unknown>> {
  const path = fileOf(input);
  const size = await mustExist(path);
  const body = Readable.toWeb(createReadStream(path).pipe(counter(size, progress, 'upload')));
  const res = await fetch(`${url}/api/v1/admin/archives`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/zip',
      'content-length': String(size),
    },
    body,
    duplex: 'half',
  });
  if (!res.ok) throw await errorOf(res);
  const { file } = (await res.json()) as { file: string };
  return { ...input, file };
}

/** Downloads the archive an export wrote on the server to the command line's file. */
export async function downloadArchive(
  url: string,
  token: string,
  download: string,
  input: Record<string, unknown>,
  progress: Progress | undefined,
): Promise<void> {
  const path = fileOf(input);
  const res = await fetch(`${url}${download}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok || !res.body) throw await errorOf(res);
  const total = Number(res.headers.get('content-length') ?? 0);
  const partial = `${path}.partial`;
  try {
    await pipeline(
      Readable.fromWeb(res.body),
      counter(total, progress, 'download'),
      createWriteStream(partial),
    );
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
