/**
 * Add-ins (spec §2.5, §4.11): administrators register a name and an http(s) URL; room managers
 * attach one to a room (`addin` on room changes); members get it with the room's details.
 */
import { fail } from '../domain/errors.ts';
import type { Actor, Addin } from '../domain/model.ts';
import { checkName } from '../domain/names.ts';
import { requireAdmin, transact, type ActionContext } from './context.ts';

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail('validation_failed', 'url must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    fail('validation_failed', 'url must be http or https');
  if (url.length > 255) fail('validation_failed', 'url is longer than 255 characters');
  return url;
}

export async function doCreateAddin(
  ctx: ActionContext,
  actor: Actor,
  input: { name: string; url: string },
): Promise<Addin> {
  await requireAdmin(ctx, actor);
  const addin: Addin = {
    id: ctx.newId(),
    name: checkName('add-in', input.name, 50),
    url: checkUrl(input.url),
  };
  return transact(ctx, async (tx) => {
    if (await tx.getAddin(addin.name)) fail('name_taken', 'an add-in with that name exists');
    await tx.insertAddin(addin);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'addin.create',
      target: `addin:${addin.id}`,
      details: { ...addin },
    });
    return addin;
  });
}

export async function doUpdateAddin(
  ctx: ActionContext,
  actor: Actor,
  idOrName: string,
  changes: { name?: string; url?: string },
): Promise<Addin> {
  await requireAdmin(ctx, actor);
  const name = changes.name === undefined ? undefined : checkName('add-in', changes.name, 50);
  const url = changes.url === undefined ? undefined : checkUrl(changes.url);
  return transact(ctx, async (tx, emit) => {
    const addin = await tx.getAddin(idOrName);
    if (!addin) fail('not_found', `add-in not found: ${idOrName}`);
    if (name !== undefined && name.toLowerCase() !== addin.name.toLowerCase() && (await tx.getAddin(name))) {
      fail('name_taken', 'an add-in with that name exists');
    }
    await tx.updateAddin(addin.id, {
      ...(name !== undefined ? { name } : {}),
      ...(url !== undefined ? { url } : {}),
    });
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'addin.update',
      target: `addin:${addin.id}`,
      details: { name, url },
    });
    for (const room of await tx.listRooms({ includeDisabled: true })) {
      if (room.addinId === addin.id) emit({ kind: 'room.changed', roomId: room.id, access: false });
    }
    return (await tx.getAddin(addin.id)) as Addin;
  });
}

/** Removing an add-in detaches it from every room. */
export async function doDeleteAddin(ctx: ActionContext, actor: Actor, idOrName: string): Promise<void> {
  await requireAdmin(ctx, actor);
  await transact(ctx, async (tx, emit) => {
    const addin = await tx.getAddin(idOrName);
    if (!addin) fail('not_found', `add-in not found: ${idOrName}`);
    const rooms = (await tx.listRooms({ includeDisabled: true })).filter((r) => r.addinId === addin.id);
    await tx.deleteAddin(addin.id);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'addin.delete',
      target: `addin:${addin.id}`,
      details: { name: addin.name },
    });
    for (const room of rooms) emit({ kind: 'room.changed', roomId: room.id, access: false });
  });
}
