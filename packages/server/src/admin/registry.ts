/** Every administrative command, by name. */
import type { AdminCommand } from './command.ts';
import { archiveCommands } from './commands/archive.ts';
import { categoryCommands } from './commands/categories.ts';
import { complianceCommands } from './commands/compliance.ts';
import { contentCommands } from './commands/content.ts';
import { directoryCommands } from './commands/directory.ts';
import { miscCommands } from './commands/misc.ts';
import { roomCommands } from './commands/rooms.ts';

export const ADMIN_COMMANDS: readonly AdminCommand[] = [
  ...categoryCommands,
  ...roomCommands,
  ...contentCommands,
  ...directoryCommands,
  ...miscCommands,
  ...complianceCommands,
  ...archiveCommands,
];

export const commandByName = new Map(ADMIN_COMMANDS.map((c) => [c.name, c]));
