/**
 * The default adapter: the XML format of spec §5.5, element and attribute names as published.
 *
 *   Conversations (xmlns:xsi, xmlns:xsd)
 *     Conversation                      one per room per batch
 *       Channel uri name islogged
 *       FirstMessage type content id    repeats the first Message
 *         Sender UserName id email internal uri
 *         DateTimeUTC since1970 string long
 *       Messages
 *         Message type content id       every event of the room, once, in order
 *           Sender …  DateTimeUTC …
 *       StartTimeUTC since1970 string long
 *       EndTimeUTC since1970 string long
 *
 * docs/compliance.md describes each attribute and how Stoa's event kinds map onto them.
 */
import { fileAdapter, type Rendering } from './adapter.ts';
import type { ComplianceEvent, ComplianceSender } from './batch.ts';
import { utcTime } from './times.ts';
import { emptyElement, escapeAttribute, XmlWriter } from './xml-writer.ts';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD = 'http://www.w3.org/2001/XMLSchema';

/**
 * `content`: the text, the stored file name or the replacement text; unused (empty) for JOIN and
 * PART; for BACKCHAT and CHATPURGE records without content, a short description of what was read
 * or cleared, from their details.
 */
export function xmlContent(e: ComplianceEvent): string {
  switch (e.kind) {
    case 'JOIN':
    case 'PART':
      return '';
    case 'BACKCHAT': {
      if (e.content !== '') return e.content;
      const d = e.details;
      const from = d?.fromSeq;
      const to = d?.toSeq;
      const count = d?.count;
      return typeof from === 'number' && typeof to === 'number'
        ? `seq ${from}-${to}${typeof count === 'number' ? ` (${count} messages)` : ''}`
        : '';
    }
    case 'CHATPURGE': {
      if (e.content !== '') return e.content;
      const until = e.details?.until;
      const count = e.details?.count;
      return typeof until === 'number'
        ? `cleared up to ${new Date(until).toISOString()}${typeof count === 'number' ? ` (${count} messages)` : ''}`
        : '';
    }
    case 'CHAT':
    case 'FILEUPLOAD':
    case 'FILEDOWNLOAD':
    case 'CHATDELETE':
      return e.content;
  }
}

/** `id`: the message's sequence number in its room for CHAT and the deletion kinds; 0 otherwise. */
export function xmlId(e: ComplianceEvent): string {
  const withSeq = e.kind === 'CHAT' || e.kind === 'CHATDELETE' || e.kind === 'CHATPURGE';
  return withSeq && e.messageSeq !== null ? String(e.messageSeq) : '0';
}

function timeElement(name: string, ms: number): string {
  const t = utcTime(ms); // digits and an ISO string: nothing to escape
  return `<${name} since1970="${t.since1970}" string="${t.string}" long="${t.long}" />`;
}

function time(w: XmlWriter, name: string, ms: number): void {
  w.raw(`${w.indent}${timeElement(name, ms)}\n`);
}

/** Renders Message and FirstMessage elements; a sender's element is built once per file. */
class MessageRenderer {
  private readonly senders = new Map<ComplianceSender, string>();

  private sender(s: ComplianceSender): string {
    let xml = this.senders.get(s);
    if (xml === undefined) {
      xml = emptyElement('Sender', [
        ['UserName', s.displayName ?? ''],
        ['id', s.id === '' ? '0' : s.id],
        ['email', s.email ?? ''],
        ['internal', String(s.internal)],
        ['uri', s.uri],
      ]);
      this.senders.set(s, xml);
    }
    return xml;
  }

  write(w: XmlWriter, name: 'FirstMessage' | 'Message', e: ComplianceEvent): void {
    const i = w.indent;
    w.raw(
      `${i}<${name} type="${e.kind}" content="${escapeAttribute(xmlContent(e))}" id="${xmlId(e)}">\n` +
        `${i}  ${this.sender(e.sender)}\n${i}  ${timeElement('DateTimeUTC', e.at)}\n${i}</${name}>\n`,
    );
  }
}

export const xmlRendering: Rendering = {
  extension: '.xml',
  render(_batch, conversations) {
    const w = new XmlWriter();
    w.start('Conversations', [
      ['xmlns:xsi', XSI],
      ['xmlns:xsd', XSD],
    ]);
    const messages = new MessageRenderer();
    for (const c of conversations) {
      const first = c.events[0];
      if (!first) continue;
      w.start('Conversation');
      w.empty('Channel', [
        ['uri', c.channel.uri],
        ['name', c.channel.name ?? c.channel.uri],
        ['islogged', c.channel.logged === null ? '' : String(c.channel.logged)],
      ]);
      messages.write(w, 'FirstMessage', first);
      w.start('Messages');
      for (const e of c.events) messages.write(w, 'Message', e);
      w.end();
      time(w, 'StartTimeUTC', c.startAt);
      time(w, 'EndTimeUTC', c.endAt);
      w.end();
    }
    w.end();
    return w.toString();
  },
  manifest(batch, transfers) {
    const w = new XmlWriter();
    w.start('FileAttachments', [['batch', String(batch.number)]]);
    for (const { channel, event } of transfers) {
      const d = event.details ?? {};
      w.start('File', [
        ['type', event.kind],
        ['name', event.content],
        ['originalName', typeof d.name === 'string' ? d.name : ''],
        ['size', typeof d.size === 'number' ? String(d.size) : ''],
        ['contentType', typeof d.contentType === 'string' ? d.contentType : ''],
        ['sha256', typeof d.sha256 === 'string' ? d.sha256 : ''],
        ['channel', channel.uri],
        ['senderId', event.sender.id],
        ['senderUri', event.sender.uri],
      ]);
      time(w, 'DateTimeUTC', event.at);
      w.end();
    }
    w.end();
    return w.toString();
  },
};

export const xmlAdapter = fileAdapter('xml', xmlRendering);
