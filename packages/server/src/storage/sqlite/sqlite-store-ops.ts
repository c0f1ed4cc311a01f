/**
 * SQLite overrides of the hot paths (posting, the join history window, storing alert matches)
 * with statements prepared once. Everything else is the shared Kysely code.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { AlertMatch } from '../../domain/alerts.ts';
import type { ComplianceRecord, Message } from '../../domain/model.ts';
import { KyselyStoreOps } from '../kysely-store-ops.ts';
import type { SeqCounter } from './seq-counter.ts';
import { toMessage } from '../rows.ts';
import type { DB, MessagesTable } from '../schema.ts';
import type { NewMessage } from '../types.ts';
import type { Selectable } from 'kysely';

type MessageRow = Selectable<MessagesTable>;

export class SqliteStoreOps extends KyselyStoreOps {
  private readonly stmts: {
    insertMessage: Statement;
    insertCompliance: Statement;
    lastMessages: Statement<[string, number], MessageRow>;
    byClientId: Statement<[string, string, string], MessageRow>;
    filterExists: Statement<[string], { id: string }>;
    roomExists: Statement<[string], { id: string }>;
    insertMatch: Statement<[string, string, string, number, number]>;
  };

  /** The writer's counter of sequence numbers (seq-counter.ts); the reader has none and gives none out. */
  constructor(
    db: Kysely<DB>,
    raw: Database,
    private readonly seqs?: SeqCounter,
  ) {
    super(db);
    this.stmts = {
      insertMessage: raw.prepare(
        'INSERT INTO messages (room_id, seq, author_id, created_at, client_msg_id, kept, text, alert, story_title, rtf, file) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
      ),
      insertCompliance: raw.prepare(
        'INSERT INTO compliance_events (kind, at, room_id, user_id, message_seq, content, details) VALUES (?,?,?,?,?,?,?)',
      ),
      lastMessages: raw.prepare(
        'SELECT * FROM (SELECT * FROM messages WHERE room_id = ? AND kept = 1 ORDER BY seq DESC LIMIT ?) ORDER BY seq ASC',
      ),
      byClientId: raw.prepare(
        'SELECT * FROM messages WHERE room_id = ? AND author_id = ? AND client_msg_id = ?',
      ),
      filterExists: raw.prepare('SELECT id FROM alert_filters WHERE id = ?'),
      roomExists: raw.prepare('SELECT id FROM rooms WHERE id = ?'),
      insertMatch: raw.prepare(
        'INSERT INTO alert_matches (user_id, filter_id, room_id, seq, at) VALUES (?,?,?,?,?)',
      ),
    };
  }

  /** The writer counts numbers in memory within a transaction (seq-counter.ts, decision 0012). */
  override nextSeq(roomId: string): Promise<number> {
    if (!this.seqs) return super.nextSeq(roomId);
    const seq = this.seqs.next(roomId);
    return seq === undefined ? Promise.reject(new Error(`room ${roomId} vanished`)) : Promise.resolve(seq);
  }

  override insertMessage(m: NewMessage): Promise<number> {
    if (!this.seqs) return super.insertMessage(m);
    const r = this.stmts.insertMessage.run(
      m.roomId,
      m.seq,
      m.authorId,
      m.at,
      m.clientMsgId,
      m.kept ? 1 : 0,
      m.kept ? m.text : '',
      m.alert ? 1 : 0,
      m.kept ? m.storyTitle : null,
      m.kept ? m.rtf : null,
      m.kept && m.file ? JSON.stringify(m.file) : null,
    );
    // The room's latest time and whether times stay in order (decision 0017): counted with its
    // numbers, written with them. (The foreign key has made sure the room exists.)
    this.seqs.noteTime(m.roomId, m.at);
    return Promise.resolve(Number(r.lastInsertRowid));
  }

  override recordCompliance(c: ComplianceRecord): Promise<void> {
    this.stmts.insertCompliance.run(
      c.kind,
      c.at,
      c.roomId,
      c.userId,
      c.messageSeq,
      c.content,
      c.details ? JSON.stringify(c.details) : null,
    );
    return Promise.resolve();
  }

  override lastMessages(roomId: string, count: number): Promise<Message[]> {
    return Promise.resolve(this.stmts.lastMessages.all(roomId, count).map(toMessage));
  }

  override findMessageByClientId(
    roomId: string,
    authorId: string,
    clientMsgId: string,
  ): Promise<Message | undefined> {
    const r = this.stmts.byClientId.get(roomId, authorId, clientMsgId);
    return Promise.resolve(r && toMessage(r));
  }

  /** As the shared version (alert-ops.ts): rows of a filter or room deleted meanwhile are skipped. */
  override insertAlertMatches(rows: readonly Omit<AlertMatch, 'id'>[]): Promise<AlertMatch[]> {
    const filters = new Map<string, boolean>();
    const rooms = new Map<string, boolean>();
    const exists = (seen: Map<string, boolean>, stmt: Statement<[string], { id: string }>, id: string) => {
      let found = seen.get(id);
      if (found === undefined) seen.set(id, (found = stmt.get(id) !== undefined));
      return found;
    };
    const out: AlertMatch[] = [];
    for (const r of rows) {
      if (
        !exists(filters, this.stmts.filterExists, r.filterId) ||
        !exists(rooms, this.stmts.roomExists, r.roomId)
      )
        continue;
      const { lastInsertRowid } = this.stmts.insertMatch.run(r.userId, r.filterId, r.roomId, r.seq, r.at);
      out.push({ ...r, id: Number(lastInsertRowid) });
    }
    return Promise.resolve(out);
  }
}
