/**
 * The XML adapter's output for a scripted day of activity in two rooms — joins, posts (one in a
 * category whose history is off), history reads, a file upload and download, a replaced message,
 * a cleared room, leaves — parsed with a strict XML parser and checked element by element against
 * the structure of spec §5.5 and against what the script did: every event exactly once, in its
 * room's conversation, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { doJoinRoom, doLeaveRoom, doPostMessage, doReadHistory } from '../../src/actions/chat.ts';
import { runComplianceOnce } from '../../src/compliance/processor.ts';
import type { ComplianceRecord } from '../../src/domain/model.ts';
import { attr, parseXml, type XmlElement } from './support/xml.ts';
import { outputFiles, readOutput, startHarness, type Harness } from './support/harness.ts';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD = 'http://www.w3.org/2001/XMLSchema';
const DAY = Date.UTC(2026, 10, 16);
const at = (h: number, m: number) => DAY + (h * 60 + m) * 60_000;
const REPLACED = 'This message was replaced by the Persistent Chat administrator.';
const STORED_FILE = '3b1e7c52-9d7a-4f1e-8c55-0f5e2a9b6d11.pdf';

type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'root' | null;

/** One Message element the script expects, written out literally. */
interface Expected {
  readonly room: 'engOpen' | 'lounge';
  readonly type: string;
  readonly content: string;
  readonly id: string;
  readonly who: Who;
  readonly at: number;
}

/**
 * Plays the day through the real actions (file transfers and removals are recorded the way those
 * features record them) and returns what the archive must contain.
 */
async function playDay(h: Harness): Promise<Expected[]> {
  const { ctx, org, clock } = h;
  const u = (name: Exclude<Who, null>) => ({ kind: 'user' as const, userId: org.users[name].id });
  const engOpen = org.rooms.engOpen.id;
  const lounge = org.rooms.lounge.id;
  const expected: Expected[] = [];
  const expect = (room: Expected['room'], type: string, who: Who, content = '', id = '0') =>
    expected.push({ room, type, content, id, who, at: clock.now });
  const record = (r: ComplianceRecord) => ctx.store.write((tx) => tx.recordCompliance(r));

  clock.now = at(9, 0);
  await doJoinRoom(ctx, u('alice'), engOpen);
  expect('engOpen', 'JOIN', 'alice');
  clock.now = at(9, 1);
  await doJoinRoom(ctx, u('bob'), engOpen);
  expect('engOpen', 'JOIN', 'bob');
  clock.now = at(9, 5);
  const hello = 'Good morning <team> & "all"\n\tsee you at 10';
  await doPostMessage(ctx, u('alice'), engOpen, { text: hello, clientMsgId: 'a1' });
  expect('engOpen', 'CHAT', 'alice', hello, '1');
  clock.now = at(9, 6);
  await doPostMessage(ctx, u('bob'), engOpen, { text: 'Stand-up moved to 10:30 — room «2»' });
  expect('engOpen', 'CHAT', 'bob', 'Stand-up moved to 10:30 — room «2»', '2');
  clock.now = at(9, 10);
  await doJoinRoom(ctx, u('carol'), engOpen); // receives the two messages: JOIN + BACKCHAT
  expect('engOpen', 'JOIN', 'carol');
  expect('engOpen', 'BACKCHAT', 'carol', 'seq 1-2 (2 messages)');

  clock.now = at(9, 30);
  await doJoinRoom(ctx, u('dave'), lounge);
  expect('lounge', 'JOIN', 'dave');
  clock.now = at(9, 31);
  await doJoinRoom(ctx, u('alice'), lounge);
  expect('lounge', 'JOIN', 'alice');
  clock.now = at(9, 32);
  // Lounge keeps no history; compliance records the message all the same (spec §5.1).
  await doPostMessage(ctx, u('dave'), lounge, { text: 'coffee? ☕ 😀' });
  expect('lounge', 'CHAT', 'dave', 'coffee? ☕ 😀', '1');

  clock.now = at(10, 0);
  const read = await doReadHistory(ctx, u('carol'), engOpen, { afterSeq: 0 });
  assert.equal(read.length, 2);
  expect('engOpen', 'BACKCHAT', 'carol', 'seq 1-2 (2 messages)');

  clock.now = at(11, 0);
  await record({
    kind: 'FILEUPLOAD',
    at: clock.now,
    roomId: engOpen,
    userId: org.users.alice.id,
    messageSeq: null,
    content: STORED_FILE,
    details: {
      fileId: '3b1e7c52',
      name: 'Q4 plan.pdf',
      size: 48_213,
      contentType: 'application/pdf',
      sha256: 'ab12',
    },
  });
  expect('engOpen', 'FILEUPLOAD', 'alice', STORED_FILE);
  clock.now = at(11, 5);
  await record({
    kind: 'FILEDOWNLOAD',
    at: clock.now,
    roomId: engOpen,
    userId: org.users.bob.id,
    messageSeq: null,
    content: STORED_FILE,
    details: { fileId: '3b1e7c52', name: 'Q4 plan.pdf', size: 48_213 },
  });
  expect('engOpen', 'FILEDOWNLOAD', 'bob', STORED_FILE);

  clock.now = at(12, 0);
  await record({
    kind: 'CHATDELETE',
    at: clock.now,
    roomId: engOpen,
    userId: org.users.bob.id,
    messageSeq: 2,
    content: REPLACED,
    details: { mode: 'replace', originalAt: at(9, 6), by: 'cli:ops' },
  });
  expect('engOpen', 'CHATDELETE', 'bob', REPLACED, '2');
  clock.now = at(12, 1);
  await record({
    kind: 'CHATPURGE',
    at: clock.now,
    roomId: lounge,
    userId: null,
    messageSeq: 1,
    content: '',
    details: { until: at(12, 0), count: 1, by: 'cli:ops' },
  });
  expect('lounge', 'CHATPURGE', null, 'cleared up to 2026-11-16T12:00:00.000Z (1 messages)', '1');

  const leaves: [Exclude<Who, null>, Expected['room']][] = [
    ['bob', 'engOpen'],
    ['carol', 'engOpen'],
    ['alice', 'engOpen'],
    ['dave', 'lounge'],
    ['alice', 'lounge'],
  ];
  for (const [i, [who, room]] of leaves.entries()) {
    clock.now = at(17, i);
    await doLeaveRoom(ctx, u(who), org.rooms[room].id);
    expect(room, 'PART', who);
  }
  return expected;
}

const names = (e: XmlElement) => e.children.map((c) => c.name);
const attrNames = (e: XmlElement) => e.attributes.map(([k]) => k);
const child = (e: XmlElement, i: number): XmlElement => {
  const c = e.children[i];
  assert.ok(c, `<${e.name}> has no child ${i}`);
  return c;
};

/** A time element: exactly the three encodings, agreeing with each other and with `ms`. */
function checkTime(e: XmlElement, name: string, ms: number): void {
  assert.equal(e.name, name);
  assert.deepEqual(attrNames(e), ['since1970', 'string', 'long']);
  assert.deepEqual(e.children, []);
  assert.equal(attr(e, 'since1970'), String(ms));
  assert.equal(attr(e, 'string'), `${new Date(ms).toISOString().slice(0, 19)}.0000000Z`); // whole minutes
  // .NET ticks: 100 ns units since 0001-01-01, which is 62,135,596,800 s before 1970.
  assert.equal(attr(e, 'long'), String((BigInt(ms) + 62_135_596_800_000n) * 10_000n));
}

interface SenderView {
  UserName: string;
  id: string;
  email: string;
  internal: string;
  uri: string;
}

/** A Message or FirstMessage element: attributes type/content/id, then Sender, then DateTimeUTC. */
function checkMessage(e: XmlElement, name: string, x: Expected, sender: SenderView): void {
  const where = `${name} ${x.type} at ${new Date(x.at).toISOString()}`;
  assert.equal(e.name, name, where);
  assert.deepEqual(attrNames(e), ['type', 'content', 'id'], where);
  assert.deepEqual(names(e), ['Sender', 'DateTimeUTC'], where);
  assert.equal(attr(e, 'type'), x.type, where);
  assert.equal(attr(e, 'content'), x.content, where);
  assert.equal(attr(e, 'id'), x.id, where);
  const s = child(e, 0);
  assert.deepEqual(attrNames(s), ['UserName', 'id', 'email', 'internal', 'uri'], where);
  assert.deepEqual(s.children, [], where);
  assert.deepEqual(Object.fromEntries(s.attributes), sender, where);
  checkTime(child(e, 1), 'DateTimeUTC', x.at);
}

/** Checks one Conversation element against the expected events of its room. */
function checkConversation(
  c: XmlElement,
  channel: { uri: string; name: string; islogged: string },
  events: readonly Expected[],
  senderOf: (who: Who) => SenderView,
): void {
  assert.equal(c.name, 'Conversation');
  assert.deepEqual(c.attributes, []);
  assert.deepEqual(names(c), ['Channel', 'FirstMessage', 'Messages', 'StartTimeUTC', 'EndTimeUTC']);
  const ch = child(c, 0);
  assert.deepEqual(attrNames(ch), ['uri', 'name', 'islogged']);
  assert.deepEqual(Object.fromEntries(ch.attributes), channel);
  assert.deepEqual(ch.children, []);
  const first = events[0];
  assert.ok(first);
  // FirstMessage describes the first message of Messages (the spec's wording).
  checkMessage(child(c, 1), 'FirstMessage', first, senderOf(first.who));
  const messages = child(c, 2);
  assert.deepEqual(messages.attributes, []);
  assert.equal(messages.children.length, events.length, `events in ${channel.name}`);
  events.forEach((x, i) => checkMessage(child(messages, i), 'Message', x, senderOf(x.who)));
  checkTime(child(c, 3), 'StartTimeUTC', Math.min(...events.map((e) => e.at)));
  checkTime(child(c, 4), 'EndTimeUTC', Math.max(...events.map((e) => e.at)));
}

describe('XML adapter: a scripted day in two rooms', () => {
  let h: Harness;
  let expected: Expected[];
  before(async () => {
    h = await startHarness({
      AddUserDetails: true,
      AddChatRoomDetails: true,
      CreateFileAttachmentsManifest: true,
      ChannelUriDomain: 'example.com',
    });
    expected = await playDay(h);
  });
  after(() => h.close());

  const withDetails = (who: Who): SenderView => {
    if (who === null) return { UserName: '', id: '0', email: '', internal: 'true', uri: '' };
    const user = h.org.users[who];
    return {
      UserName: user.displayName,
      id: user.id,
      email: user.email ?? '',
      internal: 'true',
      uri: user.sipUri.slice('sip:'.length),
    };
  };

  test('one file per batch; parses; matches §5.5 element by element; every event exactly once', async () => {
    const pending = await h.ctx.store.read.complianceBacklog();
    assert.equal(pending.count, expected.length, 'the day recorded one event per expected message');

    const result = await runComplianceOnce(h.rt);
    assert.equal(result.outcome, 'done');
    assert.equal(result.events, expected.length);
    assert.equal(result.batches, 1);

    const files = outputFiles(h.outDir);
    assert.equal(files.length, 2, files.join(', '));
    const xmlName = files.find((f) => f.endsWith('.xml'));
    assert.ok(xmlName);
    assert.match(xmlName, /^stoa-compliance-\d{8}T\d{6}Z-0000000001\.xml$/);
    const text = readOutput(h.outDir, xmlName);
    assert.ok(text.startsWith('<?xml version="1.0" encoding="utf-8"?>\n'));
    const root = parseXml(text);

    assert.equal(root.name, 'Conversations');
    assert.deepEqual(root.attributes, [
      ['xmlns:xsi', XSI],
      ['xmlns:xsd', XSD],
    ]);
    assert.deepEqual(names(root), ['Conversation', 'Conversation'], 'one conversation per room');
    const { engOpen, lounge } = h.org.rooms;
    checkConversation(
      child(root, 0),
      { uri: `ma-chan://example.com/${engOpen.id}`, name: 'eng-open', islogged: 'true' },
      expected.filter((x) => x.room === 'engOpen'),
      withDetails,
    );
    checkConversation(
      child(root, 1),
      { uri: `ma-chan://example.com/${lounge.id}`, name: 'lounge', islogged: 'false' },
      expected.filter((x) => x.room === 'lounge'),
      withDetails,
    );
    const total = root.children.reduce((n, c) => n + child(c, 2).children.length, 0);
    assert.equal(total, expected.length, 'every event once across the file');

    // Processed events are gone from the store; the status tells so.
    const backlog = await h.ctx.store.read.complianceBacklog();
    assert.equal(backlog.count, 0);
    const state = await h.ctx.store.read.complianceState();
    assert.equal(state.cursor, pending.lastId);
    assert.equal(state.processedTotal, expected.length);
    assert.equal(state.lastRunOk, true);
    assert.equal(state.inFlight, null);
    assert.equal(state.leaseOwner, null);
  });

  test('the attachment manifest lists the upload and the download', () => {
    const name = outputFiles(h.outDir).find((f) => f.endsWith('.ATTACH'));
    assert.ok(name);
    const root = parseXml(readOutput(h.outDir, name));
    assert.equal(root.name, 'FileAttachments');
    assert.deepEqual(
      root.children.map((f) => [attr(f, 'type'), attr(f, 'name'), attr(f, 'originalName'), attr(f, 'size')]),
      [
        ['FILEUPLOAD', STORED_FILE, 'Q4 plan.pdf', '48213'],
        ['FILEDOWNLOAD', STORED_FILE, 'Q4 plan.pdf', '48213'],
      ],
    );
    assert.deepEqual(
      root.children.map((f) => attr(f, 'senderUri')),
      ['alice@example.com', 'bob@example.com'],
    );
  });

  test('a second run with nothing pending writes nothing', async () => {
    const before = outputFiles(h.outDir);
    const result = await runComplianceOnce(h.rt);
    assert.deepEqual(result, { outcome: 'done', events: 0, batches: 0, files: [] });
    assert.deepEqual(outputFiles(h.outDir), before);
  });
});

describe('XML adapter: one room per file, without room and user details', () => {
  test('a file per room, each one conversation; Channel name is the URI; senders carry id and URI', async () => {
    const h = await startHarness({ OneChatRoomPerOutputFile: true });
    try {
      const expected = await playDay(h);
      const result = await runComplianceOnce(h.rt);
      assert.equal(result.outcome, 'done');
      const files = outputFiles(h.outDir);
      const { engOpen, lounge } = h.org.rooms;
      assert.equal(files.length, 2, 'two rooms, two files, no manifest');
      const fileOf = (roomId: string) => {
        const name = files.find((f) => f.endsWith(`-${roomId}.xml`));
        assert.ok(name, `no file for room ${roomId} in ${files.join(', ')}`);
        return parseXml(readOutput(h.outDir, name));
      };
      const minimal = (who: Who): SenderView => ({
        UserName: '',
        id: who === null ? '0' : h.org.users[who].id,
        email: '',
        internal: 'true',
        uri: who === null ? '' : h.org.users[who].sipUri.slice('sip:'.length),
      });
      for (const [key, room] of [
        ['engOpen', engOpen],
        ['lounge', lounge],
      ] as const) {
        const root = fileOf(room.id);
        assert.deepEqual(names(root), ['Conversation']);
        const uri = `ma-chan://stoa.local/${room.id}`;
        checkConversation(
          child(root, 0),
          { uri, name: uri, islogged: '' },
          expected.filter((x) => x.room === key),
          minimal,
        );
      }
    } finally {
      await h.close();
    }
  });
});
