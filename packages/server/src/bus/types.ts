/**
 * The bus port: how actions tell every node what changed, after commit. Domain-shaped events;
 * adapters (in-process now, Redis later) carry them. Subscribers must not assume an event was
 * published on their node.
 */
import type { ServerEvent } from '@stoa/protocol';
import type { Message } from '../domain/model.ts';

/**
 * Events for every connection of one user (following, read positions, seen invitations), already
 * in their wire shape: the action that caused them knows the user's view of the room.
 */
export type UserEvent = Extract<
  ServerEvent,
  {
    type: 'followed' | 'unfollowed' | 'read' | 'seen' | 'alert' | 'alertsSeen' | 'filter' | 'filterDeleted';
  }
>;

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
  | { readonly kind: 'settings.changed' }
  /** An administrator removed or replaced messages, or cleared history (spec §4.13). */
  | {
      readonly kind: 'messages.removed';
      readonly roomId: string;
      readonly removed: readonly number[];
      readonly replaced: readonly Message[];
    }
  /** For the connections of one user, on whichever node they are (spec §4.7). */
  | { readonly kind: 'user.event'; readonly userId: string; readonly event: UserEvent }
  /** Invitations created (spec §4.12): one per user newly given access to the room. */
  | {
      readonly kind: 'invitations';
      readonly roomId: string;
      readonly roomName: string;
      readonly at: number;
      readonly invited: readonly { readonly userId: string; readonly id: number }[];
    };

export type BusHandler = (event: BusEvent) => void;

export interface Bus {
  publish(event: BusEvent): void;
  subscribe(handler: BusHandler): () => void;
  close(): Promise<void>;
}
