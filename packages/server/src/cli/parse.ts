/**
 * Command-line parsing driven by the command's option specs: `--display-name X` for displayName,
 * `--flag`/`--no-flag` for booleans, repeated or comma-separated lists, and `--add-X`, `--remove-X`,
 * `--set-X` for list changes.
 */
import { parseArgs } from 'node:util';
import type { AdminCommand } from '../admin/command.ts';

export class UsageError extends Error {}

export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export function parseCommandInput(command: AdminCommand, argv: readonly string[]): Record<string, unknown> {
  const options: NonNullable<ParseArgsOptions> = {};
  for (const [key, spec] of Object.entries(command.options)) {
    const flag = kebab(key);
    switch (spec.type) {
      case 'boolean':
        options[flag] = { type: 'boolean' };
        options[`no-${flag}`] = { type: 'boolean' };
        break;
      case 'list':
        options[flag] = { type: 'string', multiple: true };
        break;
      case 'listChange':
        for (const op of ['add', 'remove', 'set'])
          options[`${op}-${flag}`] = { type: 'string', multiple: true };
        break;
      case 'string':
      case 'int':
        options[flag] = { type: 'string' };
        break;
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const input: Record<string, unknown> = {};
  const positionals = [...parsed.positionals];
  for (const key of command.args) {
    const value = positionals.shift();
    if (value !== undefined) input[key] = value;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0] ?? ''}`);
  const split = (v: string[] | undefined) =>
    v
      ?.flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== '');

  for (const [key, spec] of Object.entries(command.options)) {
    const flag = kebab(key);
    switch (spec.type) {
      case 'boolean':
        if (values[flag] === true) input[key] = true;
        if (values[`no-${flag}`] === true) input[key] = false;
        break;
      case 'list': {
        const v = split(values[flag] as string[] | undefined);
        if (v) input[key] = v;
        break;
      }
      case 'listChange': {
        const c: Record<string, string[]> = {};
        for (const op of ['add', 'remove', 'set']) {
          const v = split(values[`${op}-${flag}`] as string[] | undefined);
          if (v) c[op] = v;
        }
        if (Object.keys(c).length > 0) input[key] = c;
        break;
      }
      case 'int': {
        const v = values[flag];
        if (typeof v === 'string') {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} takes a whole number`);
          input[key] = n;
        }
        break;
      }
      case 'string': {
        const v = values[flag];
        if (typeof v === 'string' && input[key] === undefined) input[key] = v;
        break;
      }
    }
    if (spec.required === true && input[key] === undefined) {
      throw new UsageError(command.args.includes(key) ? `missing <${kebab(key)}>` : `missing --${flag}`);
    }
  }
  return input;
}

export function commandHelp(command: AdminCommand): string {
  const args = command.args.map((a) => `<${kebab(a)}>`).join(' ');
  const lines = [`stoa ${command.name} ${args}`.trimEnd(), '', `  ${command.summary}`, ''];
  for (const [key, spec] of Object.entries(command.options)) {
    if (command.args.includes(key)) continue;
    const flag = kebab(key);
    const form =
      spec.type === 'boolean'
        ? `--${flag} | --no-${flag}`
        : spec.type === 'list'
          ? `--${flag} A,B…`
          : spec.type === 'listChange'
            ? `--add-${flag} A,B…  --remove-${flag} A,B…  --set-${flag} A,B…`
            : `--${flag} ${spec.type === 'int' ? 'N' : 'VALUE'}`;
    lines.push(`  ${form}${spec.required === true ? ' (required)' : ''}`, `      ${spec.help}`);
  }
  if (command.mutates) lines.push('  --dry-run', '      show what would change, change nothing');
  return lines.join('\n');
}
