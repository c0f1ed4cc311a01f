/** Categories (spec §2.3): administrators only. Scope changes purge roles that fall out of scope. */
import { checkDescription, checkName } from '../domain/names.ts';
import { fail } from '../domain/errors.ts';
import type { Actor, Category } from '../domain/model.ts';
import { requireAdmin, transact, type ActionContext } from './context.ts';
import { applyListChange, type ListChange } from './principals.ts';
import { purgeRoomRoles } from './purge.ts';
import { afterPurge, inviteAfterScopeChange, type RoomBeforeAfter } from './invitations.ts';

export interface CategoryInput {
  readonly name: string;
  readonly description?: string;
  /** Off unless asked for (spec §12.4, decision 0003). */
  readonly invitations?: boolean;
  readonly fileUpload?: boolean;
  /** On unless turned off. */
  readonly chatHistory?: boolean;
  readonly allowed?: readonly string[];
  readonly denied?: readonly string[];
  readonly creators?: readonly string[];
}

export async function doCreateCategory(
  ctx: ActionContext,
  actor: Actor,
  input: CategoryInput,
): Promise<Category> {
  await requireAdmin(ctx, actor);
  const now = ctx.clock();
  const name = checkName('category', input.name);
  const description = checkDescription(input.description ?? '');
  return transact(ctx, async (tx, emit) => {
    if (await tx.findCategory(name)) fail('name_taken', 'a category with that name exists');
    const category: Category = {
      id: ctx.newId(),
      name,
      description,
      invitations: input.invitations === true,
      fileUpload: input.fileUpload === true,
      chatHistory: input.chatHistory !== false,
      allowed: await applyListChange(tx, [], { set: input.allowed ?? [] }),
      denied: await applyListChange(tx, [], { set: input.denied ?? [] }),
      creators: await applyListChange(tx, [], { set: input.creators ?? [] }),
      createdAt: now,
      updatedAt: now,
    };
    await tx.insertCategory(category);
    await tx.recordAudit({
      at: now,
      actor,
      action: 'category.create',
      target: `category:${category.id}`,
      details: { name },
    });
    emit({ kind: 'category.changed', categoryId: category.id });
    return category;
  });
}

export interface CategoryChanges {
  readonly name?: string;
  readonly description?: string;
  readonly invitations?: boolean;
  readonly fileUpload?: boolean;
  readonly chatHistory?: boolean;
  readonly allowed?: ListChange;
  readonly denied?: ListChange;
  readonly creators?: ListChange;
}

export async function doUpdateCategory(
  ctx: ActionContext,
  actor: Actor,
  categoryId: string,
  changes: CategoryChanges,
): Promise<{ category: Category; purged: number }> {
  await requireAdmin(ctx, actor);
  const now = ctx.clock();
  const name = changes.name === undefined ? undefined : checkName('category', changes.name);
  if (changes.description !== undefined) checkDescription(changes.description);
  return transact(ctx, async (tx, emit) => {
    const before = await tx.getCategory(categoryId);
    if (!before) fail('not_found', 'category not found');
    if (
      name !== undefined &&
      name.toLowerCase() !== before.name.toLowerCase() &&
      (await tx.findCategory(name))
    ) {
      fail('name_taken', 'a category with that name exists');
    }
    const allowed = await applyListChange(tx, before.allowed, changes.allowed);
    const denied = await applyListChange(tx, before.denied, changes.denied);
    const creators = await applyListChange(tx, before.creators, changes.creators);
    await tx.updateCategory(categoryId, {
      updatedAt: now,
      ...(name !== undefined ? { name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.invitations !== undefined ? { invitations: changes.invitations } : {}),
      ...(changes.fileUpload !== undefined ? { fileUpload: changes.fileUpload } : {}),
      ...(changes.chatHistory !== undefined ? { chatHistory: changes.chatHistory } : {}),
    });
    if (changes.allowed) await tx.setCategoryList(categoryId, 'allowed', allowed);
    if (changes.denied) await tx.setCategoryList(categoryId, 'denied', denied);
    if (changes.creators) await tx.setCategoryList(categoryId, 'creator', creators);
    const after = (await tx.getCategory(categoryId)) as Category;

    let purged = 0;
    const rescoped: RoomBeforeAfter[] = [];
    if (changes.allowed || changes.denied) {
      for (const room of await tx.listRooms({ categoryId, includeDisabled: true })) {
        const removed = await purgeRoomRoles(ctx.access, tx, room, after, now);
        purged += removed.member.length + removed.manager.length + removed.presenter.length;
        rescoped.push({ before: room, after: afterPurge(room, removed) });
      }
    }
    const { allowed: _a, denied: _d, creators: _c, ...plain } = changes;
    await tx.recordAudit({
      at: now,
      actor,
      action: 'category.update',
      target: `category:${categoryId}`,
      details: { ...plain, allowed, denied, creators, purged },
    });
    emit({ kind: 'category.changed', categoryId });
    await inviteAfterScopeChange(tx, emit, before, after, rescoped, now, actor);
    return { category: after, purged };
  });
}

/** Refused while the category holds rooms (spec §2.3): move or delete them first. */
export async function doDeleteCategory(ctx: ActionContext, actor: Actor, categoryId: string): Promise<void> {
  await requireAdmin(ctx, actor);
  await transact(ctx, async (tx, emit) => {
    if (!(await tx.getCategory(categoryId))) fail('not_found', 'category not found');
    if ((await tx.countRooms(categoryId)) > 0) fail('category_not_empty', 'the category still holds rooms');
    await tx.deleteCategory(categoryId);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'category.delete',
      target: `category:${categoryId}`,
    });
    emit({ kind: 'category.changed', categoryId });
  });
}
