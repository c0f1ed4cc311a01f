import { doClearRoom, doRemoveMessages, type RemovalMode } from '../../actions/removal.ts';
import { fail } from '../../domain/errors.ts';
import { parseDate, type MatchClause } from '../../domain/removal.ts';
import { bool, present, str, type AdminCommand } from '../command.ts';
import { roomNamed } from './lookup.ts';

const isMatchClause = (m: string): m is MatchClause => m === 'all' || m === 'or' || m === 'exact';

export const contentCommands: AdminCommand[] = [
  {
    name: 'message remove',
    summary: 'Remove or replace messages of a room by author, dates and keywords (replaces by default)',
    args: ['room'],
    options: {
      room: { type: 'string', help: 'room name or id', required: true },
      user: { type: 'string', help: 'only messages by this user' },
      since: { type: 'string', help: 'posted on or after this date (ISO 8601)' },
      until: { type: 'string', help: 'posted on or before this date (ISO 8601)' },
      filter: { type: 'string', help: 'space-separated keywords' },
      match: { type: 'string', help: 'all (default: every keyword), or (any keyword), exact (the phrase)' },
      caseSensitive: { type: 'boolean', help: 'match keywords case-sensitively' },
      replace: { type: 'string', help: 'replacement text (default: the standard notice)' },
      remove: { type: 'boolean', help: 'delete the messages without leaving a placeholder' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const room = await roomNamed(ctx, str(input, 'room') ?? '');
      const given = str(input, 'match') ?? 'all';
      const match: MatchClause = isMatchClause(given)
        ? given
        : fail('validation_failed', 'match must be all, or, or exact');
      const replace = str(input, 'replace');
      if (bool(input, 'remove') === true && replace !== undefined)
        fail('validation_failed', '--remove and --replace exclude each other');
      const mode: RemovalMode =
        bool(input, 'remove') === true
          ? { kind: 'remove' }
          : { kind: 'replace', ...present({ text: replace }) };
      const since = str(input, 'since');
      const until = str(input, 'until');
      const result = await doRemoveMessages(
        ctx,
        actor,
        room.id,
        present({
          user: str(input, 'user'),
          since: since === undefined ? undefined : parseDate('since', since),
          until: until === undefined ? undefined : parseDate('until', until),
          keywords: str(input, 'filter'),
          match: match,
          caseSensitive: bool(input, 'caseSensitive'),
        }),
        mode,
      );
      return {
        room: room.name,
        removed: result.removed.length,
        replaced: result.replaced.length,
        seqs: [...result.removed, ...result.replaced],
      };
    },
  },
  {
    name: 'room clear',
    summary: "Delete a room's history from the oldest message up to and including a date",
    args: ['room'],
    options: {
      room: { type: 'string', help: 'room name or id', required: true },
      until: { type: 'string', help: 'last date to clear (ISO 8601), inclusive', required: true },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const room = await roomNamed(ctx, str(input, 'room') ?? '');
      const result = await doClearRoom(ctx, actor, room.id, parseDate('until', str(input, 'until') ?? ''));
      return { room: room.name, ...result };
    },
  },
];
