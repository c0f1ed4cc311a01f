/**
 * The search fixture: the fixture organisation (test/support/org.ts) plus three rooms, and a
 * corpus in English, French, Chinese, Japanese and Korean with URLs and file names, each message
 * posted through the real action on its own day (the server's clock is the fixture's).
 *
 *   extra   category "Legal" (allowed: group legal) with open room legal-room — erin's only room
 *             with history, since Engineering denies her (ethical wall)
 *           category "Partners" (allowed: example.com and partner.org) with open room partners
 *           eng-archive: open, in Engineering, disabled after its message is posted
 *
 * Who reads what (history on): alice — eng-open, eng-closed, eng-secret, eng-stage, partners;
 * bob — eng-open, eng-closed, eng-stage, partners; erin — legal-room, partners; dave — partners.
 */
import { doPostMessage } from '../../src/actions/chat.ts';
import { doCreateCategory } from '../../src/actions/categories.ts';
import { doCreateRoom, doUpdateRoom } from '../../src/actions/rooms.ts';
import type { Message } from '../../src/domain/model.ts';
import { buildOrg, CLI, type Org } from '../support/org.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

export const BASE = Date.UTC(2026, 0, 1);
export const DAY = 24 * 3600 * 1000;
export const dayAt = (day: number) => BASE + day * DAY;

type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'erin';
type Where = 'engOpen' | 'engClosed' | 'engSecret' | 'engStage' | 'lounge' | 'legal' | 'partners' | 'archive';

/** [name, author, room, text, story title?]; message n is posted on day n + 1. */
export const CORPUS: readonly (readonly [string, Who, Where, string, string?])[] = [
  ['E1', 'alice', 'engOpen', 'Deployment of the billing service is scheduled for Friday'],
  ['E2', 'bob', 'engOpen', 'The release notes are in https://docs.example.com/releases/v2.3?lang=en#notes'],
  ['E3', 'carol', 'engOpen', 'Please review report_Q3_final.xlsx before the meeting'],
  ['E4', 'alice', 'engOpen', 'We deployed hotfix 2.3.1 to production; notes in CHANGELOG.md'],
  ['F1', 'bob', 'engOpen', "Réunion d'équipe demain à 10h, salle Œuvre"],
  ['F2', 'carol', 'engOpen', 'Le déploiement est terminé, voir le compte rendu'],
  ['F3', 'alice', 'engOpen', "Les élèves ont présenté leur projet à l'hôpital"],
  ['Z1', 'bob', 'engOpen', '明天下午三点在北京开会，请准备服务器报告'],
  ['Z2', 'carol', 'engOpen', '数据库迁移已经完成'],
  ['J1', 'alice', 'engOpen', '東京で会議があります。資料を確認してください'],
  ['J2', 'bob', 'engOpen', 'サーバーのデプロイは来週です'],
  ['J3', 'carol', 'engOpen', '京都の天気は晴れ'],
  [
    'U1',
    'bob',
    'engOpen',
    'See https://github.com/acme/stoa/pull/1234 and ftp://files.example.org/pub/archive.tar.gz',
  ],
  ['U2', 'carol', 'engOpen', 'Uploaded IMG_20240315_093000.jpg and budget-2025.v2.pdf'],
  ['K1', 'alice', 'engOpen', '내일 서울에서 회의가 있습니다'],
  ['C1', 'alice', 'engClosed', 'The billing migration plan'],
  ['S1', 'alice', 'engSecret', 'billing secret: new pricing'],
  ['L1', 'erin', 'legal', 'billing dispute with the vendor'],
  ['P1', 'dave', 'partners', 'billing question from a partner'],
  ['A1', 'alice', 'archive', 'billing archive of 2019'],
  ['N1', 'alice', 'lounge', 'billing chat in the lounge'],
  ['T1', 'alice', 'engStage', 'Story body: the billing numbers went up', 'Quarterly numbers'],
];

export interface SearchFixture {
  readonly t: TestServer;
  readonly org: Org;
  readonly rooms: Record<Where, string>;
  /** Corpus name → message. */
  readonly messages: Record<string, Message>;
  /** Message id → corpus name (for readable assertions). */
  readonly names: Map<number, string>;
  setClock(at: number): void;
}

export async function startSearchFixture(): Promise<SearchFixture> {
  let now = BASE;
  const t = await startTestServer({}, () => now);
  const ctx = t.server.ctx;
  const org = await buildOrg(ctx);
  await doCreateCategory(ctx, CLI, { name: 'Legal', allowed: ['group:legal'] });
  await doCreateCategory(ctx, CLI, {
    name: 'Partners',
    allowed: ['domain:example.com', 'domain:partner.org'],
  });
  const legal = await doCreateRoom(ctx, CLI, { name: 'legal-room', category: 'Legal', privacy: 'open' });
  const partners = await doCreateRoom(ctx, CLI, { name: 'partners', category: 'Partners', privacy: 'open' });
  const archive = await doCreateRoom(ctx, CLI, {
    name: 'eng-archive',
    category: 'Engineering',
    privacy: 'open',
  });
  const rooms: Record<Where, string> = {
    engOpen: org.rooms.engOpen.id,
    engClosed: org.rooms.engClosed.id,
    engSecret: org.rooms.engSecret.id,
    engStage: org.rooms.engStage.id,
    lounge: org.rooms.lounge.id,
    legal: legal.id,
    partners: partners.id,
    archive: archive.id,
  };
  const messages: Record<string, Message> = {};
  const names = new Map<number, string>();
  for (const [i, [name, who, where, text, storyTitle]] of CORPUS.entries()) {
    now = dayAt(i + 1);
    const { message } = await doPostMessage(
      ctx,
      { kind: 'user', userId: org.users[who].id },
      rooms[where],
      storyTitle === undefined ? { text } : { text, storyTitle },
    );
    messages[name] = message;
    names.set(message.id, name);
  }
  now = dayAt(CORPUS.length + 1);
  await doUpdateRoom(ctx, CLI, archive.id, { disabled: true });
  return {
    t,
    org,
    rooms,
    messages,
    names,
    setClock: (at) => {
      now = at;
    },
  };
}
