/**
 * `export` and `import` (spec §6): the archive commands. The command line writes or reads the
 * archive file; over HTTP the archive endpoints stream it (transports/http/routes-archive.ts).
 * The work is done by queries/export.ts and actions/import.ts.
 */
import { doImportArchive, ON_CONFLICT, type OnConflict } from '../../actions/import.ts';
import { doUpdateRoom } from '../../actions/rooms.ts';
import { isLevel, LEVELS, type Level } from '../../archive/format.ts';
import { fail } from '../../domain/errors.ts';
import { parseDate } from '../../domain/removal.ts';
import { planExport, writeExport } from '../../queries/export.ts';
import { VERSION } from '../../version.ts';
import { bool, list, str, type AdminCommand } from '../command.ts';

const isOnConflict = (v: string): v is OnConflict => (ON_CONFLICT as readonly string[]).includes(v);

export const archiveCommands: AdminCommand[] = [
  {
    name: 'export',
    summary: 'Write an archive (ZIP of JSON Lines) of users, categories, rooms and their content',
    args: ['file'],
    options: {
      file: { type: 'string', help: 'the archive to write (.zip); replaced if it exists', required: true },
      level: {
        type: 'string',
        help: `${LEVELS.join(', ')} (default All): User = users, groups, policies; Category adds categories; RoomDirectory adds add-ins and rooms; Content adds messages; All adds settings`,
      },
      category: { type: 'list', help: 'only these categories and their rooms (names)' },
      startDate: {
        type: 'string',
        help: 'only messages posted on or after this date (ISO 8601; Content, All)',
      },
      disable: { type: 'boolean', help: 'disable every exported room afterwards' },
      passwordHashes: {
        type: 'boolean',
        help: "include users' password hashes (default: no password is exported)",
      },
    },
    mutates: true,
    mutatesWhen: (input) => input.disable === true,
    archive: 'out',
    async run(ctx, actor, input, env) {
      const given = str(input, 'level') ?? 'All';
      const level: Level = isLevel(given)
        ? given
        : fail('validation_failed', `level must be one of ${LEVELS.join(', ')}`);
      const since = str(input, 'startDate');
      const categories = list(input, 'category');
      const plan = await planExport(ctx, actor, {
        level,
        server: `stoa ${VERSION}`,
        ...(categories !== undefined ? { categories } : {}),
        ...(since !== undefined ? { startDate: parseDate('start-date', since) } : {}),
        ...(bool(input, 'passwordHashes') === true ? { passwordHashes: true } : {}),
      });
      const out =
        env.archiveOut ??
        fail('bad_request', 'export writes a file: use stoa export or GET /api/v1/admin/export');
      const { manifest, roomIds } = await writeExport(ctx, plan, out, (done, total) =>
        env.progress?.('export', done, total),
      );
      let disabled = 0;
      if (bool(input, 'disable') === true) {
        for (const id of roomIds) {
          const room = await ctx.store.read.getRoom(id);
          if (!room || room.disabled) continue;
          await doUpdateRoom(ctx, actor, id, { disabled: true });
          disabled++;
        }
      }
      return {
        file: str(input, 'file'),
        level: manifest.level,
        categoryFilter: manifest.categories,
        startDate: manifest.startDate,
        ...manifest.counts,
        entries: manifest.entries.length,
        disabled,
      };
    },
  },
  {
    name: 'import',
    summary: 'Restore an archive made by stoa export (checked whole first, then applied at once)',
    args: ['file'],
    options: {
      file: { type: 'string', help: 'the archive to read (.zip)', required: true },
      onConflict: {
        type: 'string',
        help: "for a user, group, policy, category, add-in or room that exists: skip (default: keep it), update (take the archive's values) or fail (import nothing)",
      },
    },
    mutates: true,
    archive: 'in',
    async run(ctx, actor, input, env) {
      const given = str(input, 'onConflict') ?? 'skip';
      const onConflict = isOnConflict(given)
        ? given
        : fail('validation_failed', `on-conflict must be ${ON_CONFLICT.join(', ')}`);
      const file =
        env.archiveIn ??
        fail('bad_request', 'import reads a file: use stoa import or POST /api/v1/admin/import');
      const result = await doImportArchive(ctx, actor, file, { onConflict }, env.progress);
      return { file: str(input, 'file'), ...result };
    },
  },
];
