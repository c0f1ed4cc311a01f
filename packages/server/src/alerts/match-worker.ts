/**
 * The alert matcher's thread (started by matcher-thread.ts): holds every saved filter in a
 * FilterIndex and answers, for each batch of new messages, which filters each one matches. Access
 * checks, storage and pushes stay on the event loop (engine.ts); only the matching, the part whose
 * cost grows with the number of filters, runs here (docs/decisions/0007).
 *
 * Messages are handled in order, so a filter put or dropped before a batch is in effect for it.
 */
import { parentPort } from 'node:worker_threads';
import type { AlertFilter } from '../domain/alerts.ts';
import { FilterIndex, type MatchInput } from './filter-index.ts';

export type ToMatcher =
  | { type: 'put'; filter: AlertFilter; mentions: string[] }
  | { type: 'drop'; id: string }
  | { type: 'match'; id: number; messages: MatchInput[] }
  | { type: 'stop' };

export type FromMatcher =
  | { type: 'ready' }
  /** `hits`: [index of the message in the batch, ids of the filters it matched], matches only. */
  | { type: 'matched'; id: number; hits: [number, string[]][]; evaluateMs: number; candidates: number };

const port = parentPort;
if (!port) throw new Error('match-worker runs as a worker thread');
const index = new FilterIndex();

port.on('message', (m: ToMatcher) => {
  switch (m.type) {
    case 'put':
      index.put(m.filter, m.mentions);
      return;
    case 'drop':
      index.drop(m.id);
      return;
    case 'match':
      port.postMessage({ type: 'matched', id: m.id, ...index.matchAll(m.messages) } satisfies FromMatcher);
      return;
    case 'stop':
      port.close();
      return;
  }
});
port.postMessage({ type: 'ready' } satisfies FromMatcher);
