/**
 * JSON Lines for modern archives: one JSON object per event and line, in event id order, with
 * the event id (a stable key for de-duplicating imports), the full `details` and exact text
 * (XML 1.0 cannot carry every control character; JSON can). Same batching, file naming and
 * options as the XML adapter; manifests are JSON Lines too.
 */
import { fileAdapter, type Rendering } from './adapter.ts';
import type { ComplianceChannel, ComplianceEvent } from './batch.ts';

function room(c: ComplianceChannel): Record<string, unknown> {
  return {
    id: c.roomId,
    uri: c.uri,
    ...(c.name !== null ? { name: c.name } : {}),
    ...(c.logged !== null ? { logged: c.logged } : {}),
  };
}

function sender(e: ComplianceEvent): Record<string, unknown> {
  const s = e.sender;
  return {
    id: s.id === '' ? null : s.id,
    uri: s.uri,
    internal: s.internal,
    ...(s.displayName !== null ? { displayName: s.displayName } : {}),
    ...(s.email !== null ? { email: s.email } : {}),
  };
}

export const jsonlRendering: Rendering = {
  extension: '.jsonl',
  render(batch, conversations) {
    const lines: { id: number; line: string }[] = [];
    for (const c of conversations) {
      const r = room(c.channel);
      for (const e of c.events) {
        const line = JSON.stringify({
          batch: batch.number,
          id: e.id,
          type: e.kind,
          at: e.at,
          time: new Date(e.at).toISOString(),
          room: r,
          sender: sender(e),
          content: e.content,
          seq: e.messageSeq,
          details: e.details,
        });
        lines.push({ id: e.id, line });
      }
    }
    lines.sort((a, b) => a.id - b.id);
    return lines.map((l) => `${l.line}\n`).join('');
  },
  manifest(batch, transfers) {
    return transfers
      .map(({ channel, event }) => {
        const d = event.details ?? {};
        return `${JSON.stringify({
          batch: batch.number,
          id: event.id,
          type: event.kind,
          name: event.content,
          fileName: d.name ?? null,
          size: d.size ?? null,
          contentType: d.contentType ?? null,
          sha256: d.sha256 ?? null,
          at: event.at,
          time: new Date(event.at).toISOString(),
          room: channel.uri,
          sender: sender(event),
        })}\n`;
      })
      .join('');
  },
};

export const jsonlAdapter = fileAdapter('jsonl', jsonlRendering);
