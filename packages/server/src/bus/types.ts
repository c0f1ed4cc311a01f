/**
 * The bus port: how actions tell every node what changed, after commit. Domain-shaped events;
 * adapters (in-process now, Redis later) carry them. Subscribers must not assume an event was
 * published on their node.
 */
import type { Message } from '../domain/model.ts';

export type BusEvent =
  | { readonly kind: 'message'; readonly roomId: string; readonly message: Message }
  /** Properties or roles changed; `access` says whether anyone may have lost or gained access. */
  | { readonly kind: 'room.changed'; readonly roomId: string; readonly access: boolean }
  | { readonly kind: 'room.disabled'; readonly roomId: string }
  | { readonly kind: 'room.deleted'; readonly roomId: string }
  /** A category's scope or switches changed: every room in it may be affected. */
  | { readonly kind: 'category.changed'; readonly categoryId: string }
  /** Users, groups or policies changed. */
  | { readonly kind: 'directory.changed' }
  | { readonly kind: 'settings.changed' };

export type BusHandler = (event: BusEvent) => void;

export interface Bus {
  publish(event: BusEvent): void;
  subscribe(handler: BusHandler): () => void;
  close(): Promise<void>;
}
