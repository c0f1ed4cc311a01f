/**
 * The cached view of everything access checks need: the directory (users, the group graph,
 * policies), settings, and rooms with their categories. Loaded from committed storage on demand,
 * invalidated by the bus events that actions publish after commit (so every node's cache follows).
 * A load that races with an invalidation is not cached (generation check).
 */
import type { Addin, Category, Room, User } from '../domain/model.ts';
import { effectivePolicy, type PolicyFacts } from '../domain/policy.ts';
import {
  affiliationsOf,
  domainOfAddress,
  type PrincipalRef,
  type Affiliations,
} from '../domain/principals.ts';
import { resolveSettings, type Settings } from '../domain/settings.ts';
import type { Subject } from '../domain/permissions.ts';
import type { StoreReader } from '../storage/types.ts';

export interface UserSubject extends Subject {
  readonly user: User;
  readonly policyId: string;
}

export interface RoomView {
  readonly room: Room;
  readonly category: Category;
  readonly addin: Addin | null;
}

interface Directory {
  readonly parents: ReadonlyMap<PrincipalRef, PrincipalRef[]>;
  readonly policies: PolicyFacts;
}

export class AccessState {
  private gen = 0;
  private directory: Promise<Directory> | undefined;
  private settingsCache: Promise<Settings> | undefined;
  private readonly subjects = new Map<string, UserSubject>();
  private readonly rooms = new Map<string, RoomView>();
  /** The highest sequence number posted per room since start (after commit). */
  private readonly lastSeqs = new Map<string, number>();

  constructor(private readonly read: StoreReader) {}

  /** Incremented by every invalidation: anything derived under an older value may be stale. */
  get generation(): number {
    return this.gen;
  }

  /** Users, groups or policies changed: every subject must be recomputed. */
  invalidateDirectory(): void {
    this.gen++;
    this.directory = undefined;
    this.subjects.clear();
  }

  /** A room changed (or all rooms of a category, when `roomId` is omitted). */
  invalidateRooms(roomId?: string): void {
    this.gen++;
    if (roomId === undefined) this.rooms.clear();
    else this.rooms.delete(roomId);
  }

  /**
   * A message was posted: remember the room's last sequence number (O(1), once per post); `room()`
   * brings the cached view up to date when it is next asked for. The posting path
   * (`cachedRoom`) needs no sequence number, and keeps the same view object from post to post.
   */
  noteMessage(roomId: string, seq: number): void {
    if ((this.lastSeqs.get(roomId) ?? 0) < seq) this.lastSeqs.set(roomId, seq);
  }

  /** The cached view with the last noted sequence number (a new object only when it moved). */
  private current(roomId: string, view: RoomView): RoomView {
    const seq = this.lastSeqs.get(roomId);
    if (seq === undefined || seq <= view.room.lastSeq) return view;
    const fresh = { ...view, room: { ...view.room, lastSeq: seq } };
    if (this.rooms.get(roomId) === view) this.rooms.set(roomId, fresh);
    return fresh;
  }

  invalidateSettings(): void {
    this.gen++;
    this.settingsCache = undefined;
  }

  settings(): Promise<Settings> {
    this.settingsCache ??= this.read.getSettings().then(resolveSettings);
    return this.settingsCache;
  }

  private loadDirectory(): Promise<Directory> {
    this.directory ??= (async () => {
      const [edges, policies, assignments] = await Promise.all([
        this.read.groupEdges(),
        this.read.listPolicies(),
        this.read.policyAssignments(),
      ]);
      const parents = new Map<PrincipalRef, PrincipalRef[]>();
      for (const edge of edges) {
        const list = parents.get(edge.member) ?? [];
        list.push(`g:${edge.groupId}`);
        parents.set(edge.member, list);
      }
      return {
        parents,
        policies: {
          enabledById: new Map(policies.map((p) => [p.id, p.chatEnabled])),
          assignment: new Map(assignments.map((a) => [a.principal, a.policyId])),
        },
      };
    })();
    return this.directory;
  }

  /** The affiliations of any principal: itself and every group above it (and a user's domain). */
  async affiliationsOfPrincipal(ref: PrincipalRef): Promise<Affiliations> {
    const dir = await this.loadDirectory();
    const parentsOf = (r: PrincipalRef) => dir.parents.get(r) ?? [];
    if (ref.startsWith('u:')) {
      const user = await this.read.getUser(ref.slice(2));
      return affiliationsOf(ref.slice(2), user ? domainOfAddress(user.sipUri) : undefined, parentsOf);
    }
    const out = new Set<PrincipalRef>([ref]);
    const queue = [ref];
    while (queue.length > 0) {
      for (const parent of parentsOf(queue.pop() as PrincipalRef)) {
        if (!out.has(parent)) {
          out.add(parent);
          queue.push(parent);
        }
      }
    }
    return out;
  }

  /** The cached subject of a user, if any (no loading): the posting fast path. */
  cachedSubject(userId: string): UserSubject | undefined {
    return this.subjects.get(userId);
  }

  /**
   * The cached view of a room, if any (no loading): the posting fast path. Its `lastSeq` may lag
   * behind messages posted since; everything else is current.
   */
  cachedRoom(roomId: string): RoomView | undefined {
    return this.rooms.get(roomId);
  }

  /** The subject for a user id, or undefined when the user does not exist or is disabled. */
  async subject(userId: string): Promise<UserSubject | undefined> {
    const cached = this.subjects.get(userId);
    if (cached) return cached;
    const gen = this.gen;
    const [user, dir] = await Promise.all([this.read.getUser(userId), this.loadDirectory()]);
    if (!user || user.disabled) return undefined;
    const parentsOf = (r: PrincipalRef) => dir.parents.get(r) ?? [];
    const policy = effectivePolicy(user.id, dir.policies, parentsOf);
    const subject: UserSubject = {
      user,
      userId: user.id,
      isAdmin: user.isAdmin,
      chatEnabled: policy.chatEnabled,
      policyId: policy.policyId,
      affiliations: affiliationsOf(user.id, domainOfAddress(user.sipUri), parentsOf),
    };
    if (gen === this.gen) this.subjects.set(userId, subject);
    return subject;
  }

  /** A room with its category, straight from committed storage through the cache. */
  async room(roomId: string): Promise<RoomView | undefined> {
    const cached = this.rooms.get(roomId);
    if (cached) return this.current(roomId, cached);
    const gen = this.gen;
    const room = await this.read.getRoom(roomId);
    if (!room) return undefined;
    const category = await this.read.getCategory(room.categoryId);
    if (!category) return undefined;
    const addin = room.addinId === null ? null : ((await this.read.getAddin(room.addinId)) ?? null);
    const view = { room, category, addin };
    if (gen === this.gen) this.rooms.set(roomId, view);
    return this.current(roomId, view);
  }

  /** Every room (disabled included) with its category; not cached, for directory queries. */
  async allRooms(): Promise<RoomView[]> {
    const [rooms, categories, addins] = await Promise.all([
      this.read.listRooms({ includeDisabled: true }),
      this.read.listCategories(),
      this.read.listAddins(),
    ]);
    const byId = new Map(categories.map((c) => [c.id, c]));
    const addinById = new Map(addins.map((a) => [a.id, a]));
    return rooms.flatMap((room) => {
      const category = byId.get(room.categoryId);
      const addin = room.addinId === null ? null : (addinById.get(room.addinId) ?? null);
      return category ? [{ room, category, addin }] : [];
    });
  }
}
