/** The records the server works with, independent of how they are stored or sent. */
import type { PrincipalRef } from './principals.ts';
import type { Privacy, RoomType } from './permissions.ts';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly sipUri: string;
  readonly isAdmin: boolean;
  readonly disabled: boolean;
  readonly createdAt: number;
}

export interface Group {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly createdAt: number;
}

export interface Policy {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly chatEnabled: boolean;
}

export interface Category {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly invitations: boolean;
  readonly fileUpload: boolean;
  readonly chatHistory: boolean;
  readonly allowed: readonly PrincipalRef[];
  readonly denied: readonly PrincipalRef[];
  readonly creators: readonly PrincipalRef[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type RoomInvitations = 'inherit' | 'false';

/** A web page shown beside a room (spec §2.5). */
export interface Addin {
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

export interface Room {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly privacy: Privacy;
  readonly type: RoomType;
  readonly invitations: RoomInvitations;
  readonly addinId: string | null;
  readonly disabled: boolean;
  readonly lastSeq: number;
  readonly members: readonly PrincipalRef[];
  readonly managers: readonly PrincipalRef[];
  readonly presenters: readonly PrincipalRef[];
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
}

/** What a file message says about its file (spec §4.10). */
export interface FileRef {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly contentType: string;
}

export interface StoredFile extends FileRef {
  readonly roomId: string;
  readonly uploaderId: string;
  readonly hash: string;
  readonly createdAt: number;
}

export interface Message {
  readonly id: number;
  readonly roomId: string;
  readonly seq: number;
  readonly authorId: string;
  readonly at: number;
  readonly clientMsgId: string | null;
  readonly text: string;
  readonly alert: boolean;
  readonly storyTitle: string | null;
  readonly rtf: string | null;
  /** Present on file messages. */
  readonly file?: FileRef;
}

/** Compliance event kinds (spec §5.2). */
export type ComplianceKind =
  'JOIN' | 'PART' | 'CHAT' | 'BACKCHAT' | 'FILEUPLOAD' | 'FILEDOWNLOAD' | 'CHATDELETE' | 'CHATPURGE';

export interface ComplianceRecord {
  readonly kind: ComplianceKind;
  readonly at: number;
  readonly roomId: string | null;
  readonly userId: string | null;
  readonly messageSeq: number | null;
  readonly content: string;
  readonly details?: Record<string, unknown>;
}

/** Who performs an action: a signed-in user, the command line, or a job of the server itself. */
export type Actor =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'cli'; readonly osUser: string }
  | { readonly kind: 'system'; readonly job: string };

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
      return `user:${actor.userId}`;
    case 'cli':
      return `cli:${actor.osUser}`;
    case 'system':
      return `system:${actor.job}`;
  }
}

export interface AuditEntry {
  readonly at: number;
  readonly actor: Actor;
  readonly action: string;
  readonly target: string;
  readonly details?: Record<string, unknown>;
}

/** A record under construction: the same fields, assignable (for optional fields set afterwards). */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };
