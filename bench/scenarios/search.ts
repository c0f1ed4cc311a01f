/**
 * `search`: history search latency on a store of 1,000,000 messages — English, French, Japanese
 * and Chinese text, URLs and file names — spread over 1,000 rooms of very different sizes.
 *
 * In-process: a real server (compose.ts) on a fresh SQLite file; users, a category and closed
 * rooms are created through the actions, messages are written straight through the store in big
 * batches (as bench/server-process.ts seeds), and the search adapter indexes them like any other
 * messages. Then `doSearch` — access computation, index query, BACKCHAT compliance record, all
 * of it — runs sequentially per query class, as a user reading every room, one reading 100, one
 * reading 10, and within a single room. A few requests also go through HTTP (Fastify inject).
 * The seeded database can be cached between runs (--cache).
 *
 * Targets (spec'd for this project): p95 < 50 ms for word and phrase queries, < 200 ms for
 * substring queries.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { copyDatabase, waitForSearchIndex } from '../lib/database-copy.ts';
import { searchBacklog, searchFileOf } from '../../packages/server/src/search/sqlite/search-file.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doCreateCategory } from '../../packages/server/src/actions/categories.ts';
import type { ActionContext } from '../../packages/server/src/actions/context.ts';
import { doCreateUser } from '../../packages/server/src/actions/directory.ts';
import { doCreateRoom } from '../../packages/server/src/actions/rooms.ts';
import { doSearch, type SearchInput } from '../../packages/server/src/actions/search.ts';
import { doCreateToken } from '../../packages/server/src/actions/sessions.ts';
import { buildServer, type StoaServer } from '../../packages/server/src/compose.ts';
import { DEFAULTS } from '../../packages/server/src/config/config.ts';
import type { Actor } from '../../packages/server/src/domain/model.ts';
import { num, removeDir, tempDataDir, type Scenario, type Values } from '../lib/scenario.ts';
import { latencyMs, percentile } from '../lib/stats.ts';

const WORD_P95_MS = 50;
const SUBSTRING_P95_MS = 200;
const CLI: Actor = { kind: 'cli', osUser: 'bench' };

// ---- the corpus: deterministic, Zipf-distributed vocabularies

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An index in [0, n) with probability falling like 1/(k+1). */
const zipf = (r: () => number, n: number) => Math.min(n - 1, Math.floor(Math.pow(n + 1, r()) - 1));
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const zpick = <T>(r: () => number, list: readonly T[]): T => list[zipf(r, list.length)] as T;

const EN = (
  'the to and a of in is it you that for on we this be with have are not i at do can will just so ' +
  'if from but about what all there as get up out when one they my me know should need think like ' +
  'meeting deploy release server build test review ticket customer report budget schedule design ' +
  'database query index search network update patch bug issue feature team project office lunch ' +
  'coffee weekend holiday invoice contract sales marketing legal finance security password login ' +
  'account email calendar agenda minutes slides document spreadsheet deployment rollback incident ' +
  'monitoring dashboard latency throughput backup migration staging production customer support'
).split(' ');
const EN_PHRASES = ['release notes', 'code review', 'merge request', 'customer feedback', 'on call'];
const FR = (
  'le la les de des du un une et est en que qui dans pour pas sur avec ce il elle nous vous sont ' +
  'été être avoir fait plus comme mais ou où donc réunion équipe projet serveur déploiement très ' +
  'déjà après problème sécurité résumé café déjeuner numéro société données réseau façon œuvre ' +
  'hôpital forêt château garçon leçon noël facture contrat client prévu semaine prochaine'
).split(' ');
const FR_PHRASES = ['mise à jour', 'ordre du jour', 'compte rendu'];
const JA = [
  '東京',
  '大阪',
  '会議',
  '明日',
  '資料',
  '確認',
  'します',
  'ください',
  'お願いします',
  '今日',
  '来週',
  'プロジェクト',
  'サーバー',
  'デプロイ',
  'レビュー',
  'テスト',
  '報告',
  '予定',
  '問題',
  '対応',
  '検索',
  'データベース',
  '顧客',
  '請求書',
  '契約',
  '営業',
  'お疲れ様です',
  'よろしく',
  'ありがとう',
  '了解です',
];
const JA_PARTICLES = ['は', 'が', 'を', 'に', 'で', 'の', 'と', 'も', 'へ'];
const ZH = [
  '我们',
  '会议',
  '明天',
  '文件',
  '服务器',
  '项目',
  '问题',
  '客户',
  '发布',
  '测试',
  '数据库',
  '搜索',
  '报告',
  '安排',
  '北京',
  '上海',
  '今天',
  '下周',
  '合同',
  '销售',
  '请',
  '确认',
  '一下',
  '已经',
  '完成',
  '谢谢',
  '没有',
  '可以',
  '需要',
  '时间',
];
const HOSTS = ['example.com', 'docs.example.org', 'github.com', 'intranet.corp.local', 'wiki.stoa.dev'];
const EXTENSIONS = ['pdf', 'docx', 'xlsx', 'png', 'jpg', 'zip', 'tar.gz', 'csv', 'pptx', 'txt'];
const SYLLABLES = 'ka lo mi ne ru ta po shi ven dor mar tel qua zen bri fal gor tus vel nim'.split(' ');

/** The long tail: pseudo-words, number `i` always spelt the same way. */
function synth(i: number): string {
  let w = '';
  let x = i + 7;
  for (let k = 0; k < 2 + (i % 3); k++) {
    w += SYLLABLES[x % SYLLABLES.length] ?? '';
    x = Math.floor(x / SYLLABLES.length) + k * 13;
  }
  return w;
}
const TAIL = 30_000;

function message(r: () => number): string {
  const x = r();
  const n = 4 + Math.floor(r() * 14);
  const words = (vocab: readonly string[]) =>
    Array.from({ length: n }, () => (r() < 0.85 ? zpick(r, vocab) : synth(zipf(r, TAIL))));
  let text: string;
  if (x < 0.45) {
    const w = words(EN);
    if (r() < 0.08) w.splice(Math.floor(r() * w.length), 0, pick(r, EN_PHRASES));
    text = w.join(' ');
  } else if (x < 0.65) {
    const w = words(FR);
    if (r() < 0.08) w.splice(Math.floor(r() * w.length), 0, pick(r, FR_PHRASES));
    text = w.join(' ');
  } else if (x < 0.83) {
    text =
      Array.from({ length: Math.ceil(n / 2) }, () => zpick(r, JA) + pick(r, JA_PARTICLES)).join('') + '。';
  } else {
    text = Array.from({ length: Math.ceil(n / 2) }, () => zpick(r, ZH)).join('') + '。';
  }
  const y = r();
  if (y < 0.06) {
    text += ` https://${pick(r, HOSTS)}/${synth(zipf(r, 500))}/${synth(zipf(r, 5000))}?id=${Math.floor(r() * 1e5)}`;
  } else if (y < 0.11) {
    text += ` ${synth(zipf(r, 3000))}_${2020 + Math.floor(r() * 6)}_v${1 + Math.floor(r() * 9)}.${pick(r, EXTENSIONS)}`;
  }
  return text;
}

// ---- the query classes

interface QueryClass {
  readonly name: string;
  readonly kind: 'words' | 'substring';
  readonly queries: readonly Omit<SearchInput, 'rooms'>[];
}

function queryClasses(authorNames: readonly string[], newestAt: number): QueryClass[] {
  const day = 24 * 3600 * 1000;
  return [
    {
      name: 'word, common',
      kind: 'words',
      queries: ['meeting', 'the', 'réunion', 'customer', 'données', 'deploy'].map((q) => ({ q })),
    },
    {
      name: 'word, rare',
      kind: 'words',
      queries: [synth(20_000), synth(12_345), synth(29_999), 'château', 'rollback', 'noël'].map((q) => ({
        q,
      })),
    },
    {
      name: 'phrase',
      kind: 'words',
      queries: [
        '"release notes"',
        '"code review"',
        '"mise à jour"',
        '"ordre du jour"',
        '"on call"',
        '"the meeting"',
      ].map((q) => ({ q })),
    },
    {
      name: 'prefix',
      kind: 'words',
      queries: ['deplo*', 'custo*', 'réu*', 'sec*', 'mon*', 'da*'].map((q) => ({ q })),
    },
    {
      name: 'word + author',
      kind: 'words',
      queries: ['meeting', 'deploy', 'réunion'].flatMap((q) =>
        authorNames.slice(0, 2).map((a) => ({ q, authors: [a] })),
      ),
    },
    {
      name: 'word + last 30 days',
      kind: 'words',
      queries: ['meeting', 'réunion', 'deploy'].map((q) => ({
        q,
        since: newestAt - 30 * day,
        until: newestAt,
      })),
    },
    {
      name: 'CJK 1-2 characters',
      kind: 'words',
      queries: ['東京', '会議', '資料', '服务', '北京', '京'].map((q) => ({ q })),
    },
    {
      name: 'substring, latin',
      kind: 'substring',
      queries: ['*ployme*', '*ustome*', '*abase*', '*onitor*', '*éunio*', '*ncid*'].map((q) => ({ q })),
    },
    {
      name: 'substring, URL/file',
      kind: 'substring',
      queries: ['*github.com/*', '*_v3.pd*', '*wiki.stoa*', '*2024_v*', '*.tar.g*', '*?id=123*'].map((q) => ({
        q,
      })),
    },
    {
      name: 'substring, CJK 3+',
      kind: 'substring',
      queries: ['東京で', '服务器', 'データベース', 'お願いします', '会議を', '数据库'].map((q) => ({ q })),
    },
  ];
}

// ---- seeding

interface Seeded {
  rooms: string[];
  users: { all: string; r100: string; r10: string };
  authors: string[];
  newestAt: number;
}

const roomName = (i: number) => `search-r${String(i).padStart(4, '0')}`;

async function provision(ctx: ActionContext, rooms: number, authors: number): Promise<Seeded> {
  const mk = (username: string) => doCreateUser(ctx, CLI, { username, password: `password-${username}` });
  const all = await mk('reader-all');
  const r100 = await mk('reader-100');
  const r10 = await mk('reader-10');
  const authorIds: string[] = [];
  for (let i = 0; i < authors; i++) authorIds.push((await mk(`author-${String(i).padStart(3, '0')}`)).id);
  await doCreateCategory(ctx, CLI, { name: 'Search', allowed: ['domain:stoa.local'] });
  const roomIds: string[] = [];
  for (let i = 0; i < rooms; i++) {
    // Closed rooms: only members read. reader-100 reads every 10th room, reader-10 every 100th;
    // offset so that neither holds the biggest rooms (room i gets a share falling like 1/(i+1)).
    const members = ['reader-all'];
    if (i % 10 === 3) members.push('reader-100');
    if (i % 100 === 53) members.push('reader-10');
    const room = await doCreateRoom(ctx, CLI, { name: roomName(i), category: 'Search', members });
    roomIds.push(room.id);
  }
  return {
    rooms: roomIds,
    users: { all: all.id, r100: r100.id, r10: r10.id },
    authors: authorIds,
    newestAt: 0,
  };
}

async function seed(ctx: ActionContext, s: Seeded, messages: number): Promise<number> {
  const r = rng(20261125);
  const batch = 20_000;
  const newestAt = Date.UTC(2026, 10, 1);
  const step = 30_000; // one message every 30 s: 1,000,000 messages span about a year
  const started = performance.now();
  for (let done = 0; done < messages; done += batch) {
    const n = Math.min(batch, messages - done);
    await ctx.store.write(async (tx) => {
      for (let i = 0; i < n; i++) {
        const k = done + i;
        const roomId = s.rooms[zipf(r, s.rooms.length)] as string;
        const authorId = s.authors[zipf(r, s.authors.length)] as string;
        const seq = await tx.nextSeq(roomId);
        await tx.insertMessage({
          roomId,
          seq,
          authorId,
          at: newestAt - (messages - k) * step,
          clientMsgId: null,
          kept: true,
          text: message(r),
          alert: false,
          storyTitle: null,
          rtf: null,
        });
      }
    });
    const secs = (performance.now() - started) / 1000;
    process.stderr.write(
      `\r  seeding: ${done + n}/${messages} messages, ${Math.round((done + n) / secs)}/s   `,
    );
  }
  process.stderr.write('\n');
  return newestAt;
}

// ---- measuring

interface ClassResult {
  readonly name: string;
  readonly kind: QueryClass['kind'];
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly meanHits: number;
  readonly byScope: Record<string, { p95: number; max: number }>;
}

function summarise(samplesUs: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = Float64Array.from(samplesUs).sort();
  const l = latencyMs(sorted);
  return { p50: l.p50, p95: Math.round(percentile(sorted, 95)) / 1000, p99: l.p99, max: l.max };
}

async function measureClass(
  server: StoaServer,
  c: QueryClass,
  scopes: readonly { name: string; actor: Actor; rooms?: string[] }[],
  passes: number,
): Promise<ClassResult> {
  const all: number[] = [];
  const byScope: Record<string, { p95: number; max: number }> = {};
  let hits = 0;
  for (const scope of scopes) {
    const samples: number[] = [];
    for (let pass = 0; pass < passes; pass++) {
      for (const query of c.queries) {
        const t = performance.now();
        const result = await doSearch(server.ctx, scope.actor, {
          ...query,
          ...(scope.rooms ? { rooms: scope.rooms } : {}),
          limit: 50,
        });
        samples.push((performance.now() - t) * 1000);
        hits += result.messages.length;
      }
    }
    const s = summarise(samples);
    byScope[scope.name] = { p95: s.p95, max: s.max };
    all.push(...samples);
  }
  return {
    name: c.name,
    kind: c.kind,
    count: all.length,
    ...summarise(all),
    meanHits: Math.round(hits / all.length),
    byScope,
  };
}

async function prepare(values: Values, dataDir: string, messages: number, rooms: number, authors: number) {
  const dbFile = join(dataDir, 'stoa.db');
  const cacheDir =
    typeof values['cache-dir'] === 'string' ? values['cache-dir'] : join(tmpdir(), 'stoa-bench-cache');
  // `-s1`: the index in its own file (layout 1), copied with the database.
  const cached = join(cacheDir, `search-${messages}m-${rooms}r-${authors}a-s1.db`);
  // Seed with synchronous=NORMAL (speed); measure with the configured mode (FULL by default, as
  // in production: every search with results commits its BACKCHAT record before answering).
  const config = {
    ...DEFAULTS,
    logLevel: 'silent' as const,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    sqliteSynchronous: 'normal' as const,
  };
  const sync = values.sync ?? 'full';
  if (sync !== 'full' && sync !== 'normal') throw new Error('--sync must be full or normal');
  const measureConfig = {
    ...config,
    sqliteSynchronous: sync === 'normal' ? ('normal' as const) : ('full' as const),
  };
  if (values.cache === true && existsSync(cached)) {
    copyDatabase(cached, dbFile);
    console.log(`database copied from cache ${cached}`);
    const server = await buildServer(measureConfig);
    const users = await server.ctx.store.read.listUsers();
    const id = (name: string) => users.find((u) => u.username === name)?.id ?? '';
    const roomList = await server.ctx.store.read.listRooms();
    const seeded: Seeded = {
      rooms: roomList.sort((a, b) => a.name.localeCompare(b.name)).map((r) => r.id),
      users: { all: id('reader-all'), r100: id('reader-100'), r10: id('reader-10') },
      authors: users.filter((u) => u.username.startsWith('author-')).map((u) => u.id),
      newestAt: Date.UTC(2026, 10, 1),
    };
    return { server, seeded, seedMs: 0, indexMs: 0, fromCache: true };
  }
  const t0 = performance.now();
  let server = await buildServer(config);
  const seeded = await provision(server.ctx, rooms, authors);
  seeded.newestAt = await seed(server.ctx, seeded, messages);
  const seedMs = Math.round(performance.now() - t0);
  // Then the background indexer finishes what it has not reached yet.
  const t1 = performance.now();
  await waitForSearchIndex(dbFile);
  await doSearch(server.ctx, { kind: 'user', userId: seeded.users.all }, { q: 'warmup' });
  const indexMs = Math.round(performance.now() - t1);
  console.log(`seeded ${messages} messages in ${seedMs} ms; indexing the rest took ${indexMs} ms more`);
  await server.close();
  if (values.cache === true) {
    mkdirSync(cacheDir, { recursive: true });
    copyDatabase(dbFile, cached);
    console.log(`database cached in ${cached}`);
  }
  server = await buildServer(measureConfig);
  return { server, seeded, seedMs, indexMs, fromCache: false };
}

/** The messages' file, the search file (the index, docs/decisions/0018) and the backlog. */
function sizes(dbFile: string): { dbMb: number; indexMb: number; queued: number } {
  return {
    dbMb: Math.round(statSync(dbFile).size / 1048576),
    indexMb: Math.round(statSync(searchFileOf(dbFile)).size / 1048576),
    queued: searchBacklog(dbFile),
  };
}

export const search: Scenario = {
  name: 'search',
  summary: `history search on 1,000,000 messages (target p95 < ${WORD_P95_MS} ms words/phrases, < ${SUBSTRING_P95_MS} ms substrings)`,
  keys: [
    'classes.word, common.p95',
    'classes.phrase.p95',
    'classes.prefix.p95',
    'classes.substring, latin.p95',
    'classes.substring, CJK 3+.p95',
    'wordsP95',
    'substringP95',
  ],
  options: {
    messages: { type: 'string', default: '1000000', help: 'messages in the store' },
    rooms: { type: 'string', default: '1000', help: 'rooms the messages are spread over (Zipf)' },
    authors: { type: 'string', default: '200', help: 'users the messages are written by' },
    passes: { type: 'string', default: '3', help: 'times each query runs per scope' },
    cache: { type: 'boolean', help: 'reuse a seeded database from the cache folder (and fill it)' },
    'cache-dir': { type: 'string', help: 'cache folder (default <tmp>/stoa-bench-cache)' },
    sync: {
      type: 'string',
      default: 'full',
      help: 'SQLite synchronous mode while measuring: full or normal',
    },
    keep: { type: 'boolean', help: 'keep the temporary data folder' },
  },
  async run(values) {
    const messages = num(values, 'messages');
    const roomCount = num(values, 'rooms');
    const authors = num(values, 'authors');
    const passes = num(values, 'passes');
    const dataDir = tempDataDir();
    try {
      const { server, seeded, seedMs, indexMs, fromCache } = await prepare(
        values,
        dataDir,
        messages,
        roomCount,
        authors,
      );
      try {
        const as = (userId: string): Actor => ({ kind: 'user', userId });
        // A mid-sized room (about 0.1 % of the messages) for searches within one room.
        const oneRoom = seeded.rooms[53] as string;
        const scopes = [
          { name: `every room (${roomCount})`, actor: as(seeded.users.all) },
          { name: `${Math.ceil(roomCount / 10)} rooms`, actor: as(seeded.users.r100) },
          { name: `${Math.ceil(roomCount / 100)} rooms`, actor: as(seeded.users.r10) },
          { name: 'one room', actor: as(seeded.users.all), rooms: [oneRoom] },
        ];
        const authorNames = (
          await Promise.all(seeded.authors.slice(0, 2).map((id) => server.ctx.store.read.getUser(id)))
        ).map((u) => u?.username ?? '');
        const classes = queryClasses(authorNames, seeded.newestAt);
        // Warm the page cache and the access cache once per scope.
        for (const s of scopes)
          await doSearch(server.ctx, s.actor, { q: 'meeting', ...(s.rooms ? { rooms: s.rooms } : {}) });
        const results: ClassResult[] = [];
        for (const c of classes) {
          const r = await measureClass(server, c, scopes, passes);
          results.push(r);
          console.log(
            `  ${c.name.padEnd(22)} p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms (${r.count} searches)`,
          );
        }
        // Page 2 of a common word, and the same search over HTTP (inject: routing, auth, JSON).
        const token = (await doCreateToken(server.ctx, CLI, { userId: seeded.users.all, name: 'bench' }))
          .token;
        const http: number[] = [];
        for (let i = 0; i < 30; i++) {
          const t = performance.now();
          const res = await server.app.inject({
            method: 'GET',
            url: `/api/v1/search?q=${encodeURIComponent(['meeting', 'réunion', '東京'][i % 3] ?? '')}&limit=50`,
            headers: { authorization: `Bearer ${token}` },
          });
          if (res.statusCode !== 200) throw new Error(`HTTP search: ${res.statusCode} ${res.body}`);
          http.push((performance.now() - t) * 1000);
        }
        const httpMs = summarise(http);
        const wordsP95 = Math.max(...results.filter((r) => r.kind === 'words').map((r) => r.p95));
        const substringP95 = Math.max(...results.filter((r) => r.kind === 'substring').map((r) => r.p95));
        const size = sizes(join(dataDir, 'stoa.db'));
        const met = wordsP95 < WORD_P95_MS && substringP95 < SUBSTRING_P95_MS;
        const json = {
          scenario: 'search',
          params: { messages, rooms: roomCount, authors, passes },
          seedMs,
          indexMs,
          fromCache,
          ...size,
          classes: Object.fromEntries(results.map((r) => [r.name, r])),
          httpMs,
          wordsP95,
          substringP95,
          target: { wordsP95Ms: WORD_P95_MS, substringP95Ms: SUBSTRING_P95_MS },
          met,
        };
        return {
          title: `search: ${messages.toLocaleString('en-US')} messages in ${roomCount} rooms (${size.dbMb} MB, of which search index ${size.indexMb} MB)`,
          rows: [
            ...results.map(
              (r) =>
                [
                  `${r.name} p50 / p95 / max ms`,
                  `${r.p50} / ${r.p95} / ${r.max}   (p95 by scope: ${Object.values(r.byScope)
                    .map((s) => s.p95)
                    .join(' / ')}; ~${r.meanHits} hits)`,
                ] as const,
            ),
            ['scopes', scopes.map((s) => s.name).join(' / ')],
            ['HTTP (inject) p50 / p95 ms', `${httpMs.p50} / ${httpMs.p95}`],
            [
              `words+phrases p95 < ${WORD_P95_MS} ms`,
              `${wordsP95} ${wordsP95 < WORD_P95_MS ? 'MET' : 'NOT MET'}`,
            ],
            [
              `substrings p95 < ${SUBSTRING_P95_MS} ms`,
              `${substringP95} ${substringP95 < SUBSTRING_P95_MS ? 'MET' : 'NOT MET'}`,
            ],
            ['seeding / remaining indexing ms', fromCache ? 'from cache' : `${seedMs} / ${indexMs}`],
          ],
          json,
        };
      } finally {
        await server.close();
      }
    } finally {
      removeDir(dataDir, values);
    }
  },
};
