/**
 * A load-generator process (forked by bench/lib/workers.ts). It receives one task, prepares it
 * (connect, join), reports ready, runs when told and sends back its result.
 *
 * IPC in:  {cmd:'init', task} · {cmd:'go', startUs} · {cmd:'exit'}
 * IPC out: {type:'ready'} · {type:'done', result} · {type:'error', message}
 */
import type { Role } from './roles/role.ts';
import { fanoutRole } from './roles/fanout.ts';
import { joinerRole } from './roles/joiner.ts';
import { posterRole } from './roles/poster.ts';

const roles: Record<string, (task: any) => Promise<Role>> = {
  poster: posterRole,
  fanout: fanoutRole,
  joiner: joinerRole,
};

let role: Role | undefined;

function send(message: object): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()));
}

process.on('message', (m: { cmd: string; task?: any; startUs?: number }) => {
  const run = async () => {
    switch (m.cmd) {
      case 'init': {
        const make = roles[m.task?.kind as string];
        if (!make) throw new Error(`unknown role ${String(m.task?.kind)}`);
        role = await make(m.task);
        await send({ type: 'ready' });
        return;
      }
      case 'go': {
        if (!role) throw new Error('go before init');
        await send({ type: 'done', result: await role.run(m.startUs ?? 0) });
        return;
      }
      case 'exit':
        role?.close();
        process.exit(0);
    }
  };
  run().catch(async (error: unknown) => {
    await send({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
