/**
 * Administrative commands, defined once and run the same way from the `stoa` command line (on a
 * data folder, as the CLI actor) and from the admin HTTP API (as the signed-in user): each command
 * calls actions, so every change is checked and audited with its actor. The option specs drive
 * command-line parsing, HTTP validation and `--help` alike.
 */
import type { Writable } from 'node:stream';
import type { ActionContext } from '../actions/context.ts';
import type { Config } from '../config/config.ts';
import type { Actor } from '../domain/model.ts';
import type { PlannedChange } from './dry-run.ts';

/** Where a command runs: the configuration of the data folder or server it works on. */
export interface CommandEnv {
  readonly config: Config;
  /** `archive: 'out'` commands (export): where the archive is written. */
  readonly archiveOut?: Writable;
  /** `archive: 'in'` commands (import): the archive file to read. */
  readonly archiveIn?: string;
  /** Long commands report their progress here (the CLI shows it on stderr). */
  readonly progress?: (phase: string, done: number, total: number) => void;
}

export type OptionType = 'string' | 'boolean' | 'int' | 'list' | 'listChange';

export interface OptionSpec {
  readonly type: OptionType;
  readonly help: string;
  readonly required?: boolean;
}

export interface AdminCommand {
  /** Words typed after `stoa`, e.g. `room create`. */
  readonly name: string;
  readonly summary: string;
  /** Input keys taken from positional arguments, in order. */
  readonly args: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Changes state: supports --dry-run, refused on a data folder in use by a running server. */
  readonly mutates: boolean;
  /** Whether this input changes state, when that depends on the input (export --disable). */
  readonly mutatesWhen?: (input: Record<string, unknown>) => boolean;
  /**
   * Commands that stream an archive: `out` writes one (export), `in` reads one (import). Their
   * `file` argument is the command line's file; remote mode uses the archive endpoints.
   */
  readonly archive?: 'out' | 'in';
  /** Columns for table output when the result has `rows`. */
  readonly columns?: readonly string[];
  run(ctx: ActionContext, actor: Actor, input: Record<string, unknown>, env: CommandEnv): Promise<unknown>;
  /**
   * The dry run of a command whose effects reach beyond the store (files written, adapters
   * called), which a rolled-back transaction cannot undo: says what `run` would do, doing nothing.
   */
  plan?(
    ctx: ActionContext,
    actor: Actor,
    input: Record<string, unknown>,
    env: CommandEnv,
  ): Promise<{ result: unknown; planned: PlannedChange[] }>;
}

/** Whether running the command with this input changes state. */
export const changesState = (command: AdminCommand, input: Record<string, unknown>): boolean =>
  command.mutatesWhen?.(input) ?? command.mutates;

/** Input helpers: the command's spec has already checked types. */
export const str = (input: Record<string, unknown>, key: string): string | undefined =>
  typeof input[key] === 'string' ? input[key] : undefined;
export const bool = (input: Record<string, unknown>, key: string): boolean | undefined =>
  typeof input[key] === 'boolean' ? input[key] : undefined;
export const int = (input: Record<string, unknown>, key: string): number | undefined =>
  typeof input[key] === 'number' ? input[key] : undefined;
export const list = (input: Record<string, unknown>, key: string): string[] | undefined =>
  Array.isArray(input[key]) ? (input[key] as string[]) : undefined;

export interface ListChangeInput {
  set?: string[];
  add?: string[];
  remove?: string[];
}
export const change = (input: Record<string, unknown>, key: string): ListChangeInput | undefined =>
  typeof input[key] === 'object' && input[key] !== null ? input[key] : undefined;

/** Copies only the keys that are present, so optional fields stay absent. */
export function present<T extends Record<string, unknown>>(
  obj: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
