/**
 * The typed shape of the database, shared by every adapter (Kysely's `interface DB`). Columns use
 * portable types: text ids, integer booleans, integer epoch milliseconds.
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  sip_uri: string;
  password_hash: string | null;
  is_admin: number;
  disabled: number;
  created_at: number;
}

export interface GroupsTable {
  id: string;
  name: string;
  description: string;
  created_at: number;
}

/** Direct membership: `member` (u:… or g:…) belongs to `group_id`. */
export interface GroupMembersTable {
  group_id: string;
  member: string;
}

export interface PoliciesTable {
  id: string;
  name: string;
  description: string;
  chat_enabled: number;
}

/** A policy granted to a user or group; the global policy has no assignment row. */
export interface PolicyAssignmentsTable {
  principal: string;
  policy_id: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface CategoriesTable {
  id: string;
  name: string;
  description: string;
  invitations: number;
  file_upload: number;
  chat_history: number;
  created_at: number;
  updated_at: number;
}

export interface CategoryPrincipalsTable {
  category_id: string;
  list: 'allowed' | 'denied' | 'creator';
  principal: string;
}

export interface AddinsTable {
  id: string;
  name: string;
  url: string;
}

export interface RoomsTable {
  id: string;
  name: string;
  description: string;
  category_id: string;
  privacy: 'open' | 'closed' | 'secret';
  type: 'normal' | 'auditorium';
  invitations: 'inherit' | 'false';
  addin_id: string | null;
  disabled: number;
  last_seq: number;
  /** The latest time of any message the room had (0: none); migration 0009. */
  last_message_at: number;
  /** 1 while no message's time is earlier than a message before it (time bounds bisect seq). */
  times_in_order: number;
  created_at: number;
  created_by: string;
  updated_at: number;
  purged_at: number | null;
}

export interface RoomRolesTable {
  room_id: string;
  role: 'member' | 'manager' | 'presenter';
  principal: string;
}

export interface MessagesTable {
  id: Generated<number>;
  room_id: string;
  seq: number;
  author_id: string;
  created_at: number;
  client_msg_id: string | null;
  /** 0 when the category keeps no history: the row only reserves the sequence number. */
  kept: number;
  text: string;
  alert: number;
  story_title: string | null;
  rtf: string | null;
  /** JSON FileRef of a file message. */
  file: string | null;
}

export interface FilesTable {
  id: string;
  room_id: string;
  uploader_id: string;
  name: string;
  size: number;
  content_type: string;
  hash: string;
  created_at: number;
}

export interface FileTokensTable {
  token_hash: string;
  kind: 'upload' | 'download';
  user_id: string;
  room_id: string;
  file_id: string | null;
  name: string | null;
  content_type: string | null;
  expires_at: number;
  used_at: number | null;
}

export interface ComplianceEventsTable {
  id: Generated<number>;
  kind: string;
  at: number;
  room_id: string | null;
  user_id: string | null;
  message_seq: number | null;
  content: string;
  details: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  kind: 'session' | 'bot';
  name: string;
  created_at: number;
  expires_at: number | null;
}

// ---- follows and invitations (migration 0004, spec §4.7, §4.12)

/** A room a user follows, with the last message they have read. */
export interface FollowsTable {
  user_id: string;
  room_id: string;
  last_read_seq: number;
  created_at: number;
}

/** One per (user, room): access newly granted while the room's invitations were in effect. */
export interface InvitationsTable {
  id: Generated<number>;
  user_id: string;
  room_id: string;
  created_at: number;
}

/** The last invitation id a user has seen. */
export interface InvitationCursorsTable {
  user_id: string;
  last_seen: number;
}

// ---- topic feeds and keyword alerts (migration 0006, spec §4.9)

/** A user's saved filter; `keywords`, `authors` (user ids) and `rooms` are JSON arrays. */
export interface AlertFiltersTable {
  id: string;
  user_id: string;
  name: string;
  keywords: string;
  authors: string;
  mentions: number;
  rooms: string;
  notify: number;
  created_at: number;
  updated_at: number;
}

/** A message that matched a filter: a reference, never the text. */
export interface AlertMatchesTable {
  id: Generated<number>;
  user_id: string;
  filter_id: string;
  room_id: string;
  seq: number;
  at: number;
}

/** The last alert id a user has seen. */
export interface AlertCursorsTable {
  user_id: string;
  last_seen: number;
}

export interface DB {
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  policies: PoliciesTable;
  policy_assignments: PolicyAssignmentsTable;
  settings: SettingsTable;
  categories: CategoriesTable;
  category_principals: CategoryPrincipalsTable;
  addins: AddinsTable;
  rooms: RoomsTable;
  room_roles: RoomRolesTable;
  messages: MessagesTable;
  files: FilesTable;
  file_tokens: FileTokensTable;
  compliance_events: ComplianceEventsTable;
  audit_log: AuditLogTable;
  sessions: SessionsTable;
  follows: FollowsTable;
  invitations: InvitationsTable;
  invitation_cursors: InvitationCursorsTable;
  alert_filters: AlertFiltersTable;
  alert_matches: AlertMatchesTable;
  alert_cursors: AlertCursorsTable;
}
