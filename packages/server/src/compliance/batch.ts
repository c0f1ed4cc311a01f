/**
 * What an adapter is given (spec §5.4 `Translate(ConversationCollection)`): one batch of pending
 * events grouped into conversations — one per room, rooms in the order of their first event,
 * events in id order — with senders and rooms resolved from the directory. Details that the
 * configuration does not ask for (AddUserDetails, AddChatRoomDetails) are left out (null).
 */
import type { ComplianceConfig } from '../domain/compliance-config.ts';
import type { Category, ComplianceKind, ComplianceRecord, Room, User } from '../domain/model.ts';
import type { StoreReader } from '../storage/types.ts';

export interface ComplianceSender {
  /** The user's id; empty when the event has no user (an action of the command line). */
  readonly id: string;
  /** The SIP URI without `sip:` (as in the spec's samples); empty when unknown. */
  readonly uri: string;
  /** True for users of this server (Stoa has no federated users). */
  readonly internal: boolean;
  /** Display name and e-mail: only with AddUserDetails. */
  readonly displayName: string | null;
  readonly email: string | null;
}

export interface ComplianceChannel {
  readonly roomId: string | null;
  /** `ma-chan://<ChannelUriDomain>/<room id>` (empty without a room). */
  readonly uri: string;
  /** Room name and whether its category keeps history: only with AddChatRoomDetails. */
  readonly name: string | null;
  readonly logged: boolean | null;
}

export interface ComplianceEvent {
  /** The compliance event id (unique, increasing). */
  readonly id: number;
  readonly kind: ComplianceKind;
  readonly at: number;
  readonly content: string;
  readonly messageSeq: number | null;
  readonly details: Readonly<Record<string, unknown>> | null;
  readonly sender: ComplianceSender;
}

export interface ComplianceConversation {
  readonly channel: ComplianceChannel;
  /** At least one, in id order. */
  readonly events: readonly ComplianceEvent[];
  readonly startAt: number;
  readonly endAt: number;
}

export interface ComplianceBatch {
  /** Batch number: file names derive from it, so writing a batch again replaces its files. */
  readonly number: number;
  readonly plannedAt: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly eventCount: number;
  readonly conversations: readonly ComplianceConversation[];
}

/** Looks users, rooms and categories up once per run. */
export class DirectoryCache {
  private readonly users = new Map<string, Promise<User | undefined>>();
  private readonly rooms = new Map<string, Promise<Room | undefined>>();
  private readonly categories = new Map<string, Promise<Category | undefined>>();

  constructor(private readonly read: StoreReader) {}

  user(id: string): Promise<User | undefined> {
    let p = this.users.get(id);
    if (!p) this.users.set(id, (p = this.read.getUser(id)));
    return p;
  }

  room(id: string): Promise<Room | undefined> {
    let p = this.rooms.get(id);
    if (!p) this.rooms.set(id, (p = this.read.getRoom(id)));
    return p;
  }

  category(id: string): Promise<Category | undefined> {
    let p = this.categories.get(id);
    if (!p) this.categories.set(id, (p = this.read.getCategory(id)));
    return p;
  }
}

const NO_USER: ComplianceSender = { id: '', uri: '', internal: true, displayName: null, email: null };

async function senderOf(
  userId: string | null,
  directory: DirectoryCache,
  config: ComplianceConfig,
): Promise<ComplianceSender> {
  if (userId === null) return NO_USER;
  const user = await directory.user(userId);
  const details = config.AddUserDetails;
  return {
    id: userId,
    uri: user ? user.sipUri.replace(/^sip:/i, '') : '',
    internal: true,
    displayName: details ? (user?.displayName ?? '') : null,
    email: details ? (user?.email ?? '') : null,
  };
}

async function channelOf(
  roomId: string | null,
  directory: DirectoryCache,
  config: ComplianceConfig,
): Promise<ComplianceChannel> {
  const uri = roomId === null ? '' : `ma-chan://${config.ChannelUriDomain}/${roomId}`;
  if (!config.AddChatRoomDetails || roomId === null) return { roomId, uri, name: null, logged: null };
  const room = await directory.room(roomId);
  const category = room ? await directory.category(room.categoryId) : undefined;
  return { roomId, uri, name: room?.name ?? '', logged: category ? category.chatHistory : null };
}

export async function buildBatch(
  plan: {
    readonly number: number;
    readonly plannedAt: number;
    readonly firstId: number;
    readonly lastId: number;
  },
  records: readonly (ComplianceRecord & { readonly id: number })[],
  config: ComplianceConfig,
  directory: DirectoryCache,
): Promise<ComplianceBatch> {
  const byRoom = new Map<string | null, ComplianceEvent[]>();
  const senders = new Map<string | null, ComplianceSender>();
  for (const r of records) {
    let sender = senders.get(r.userId);
    if (!sender) senders.set(r.userId, (sender = await senderOf(r.userId, directory, config)));
    let events = byRoom.get(r.roomId);
    if (!events) byRoom.set(r.roomId, (events = []));
    events.push({
      id: r.id,
      kind: r.kind,
      at: r.at,
      content: r.content,
      messageSeq: r.messageSeq,
      details: r.details ?? null,
      sender,
    });
  }
  const conversations: ComplianceConversation[] = [];
  for (const [roomId, events] of byRoom) {
    let startAt = Infinity;
    let endAt = -Infinity;
    for (const e of events) {
      startAt = Math.min(startAt, e.at);
      endAt = Math.max(endAt, e.at);
    }
    conversations.push({ channel: await channelOf(roomId, directory, config), events, startAt, endAt });
  }
  return { ...plan, eventCount: records.length, conversations };
}

/** The file transfers of a set of conversations (for attachment manifests). */
export function fileTransfers(
  conversations: readonly ComplianceConversation[],
): { channel: ComplianceChannel; event: ComplianceEvent }[] {
  const out: { channel: ComplianceChannel; event: ComplianceEvent }[] = [];
  for (const c of conversations) {
    for (const event of c.events) {
      if (event.kind === 'FILEUPLOAD' || event.kind === 'FILEDOWNLOAD')
        out.push({ channel: c.channel, event });
    }
  }
  return out;
}
