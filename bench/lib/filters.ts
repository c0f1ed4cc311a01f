/**
 * Saved filters for the `post --filters N` benchmark: N filters spread round-robin over the bench
 * users (at most 100 each), shaped like real ones. Most watch for topic words that bench posts
 * never contain (so they cost index entries, not matches); some match now and then:
 *
 * - 2 % watch for a number between 200 and 599: each poster's text carries its post counter
 *   ("post <conn>:<n> …"), so such a keyword matches about one post per connection per run;
 * - 0.5 % follow one other bench user (author filters): every post of that user matches;
 * - 1 % ask for mentions of their owner (bench posts mention nobody);
 * - the rest: two or three topic words, some as phrases.
 */
import type { FilterInput } from '../../packages/server/src/actions/alerts.ts';

const TOPICS = (
  'deploy outage incident release budget hiring roadmap security latency database kubernetes ' +
  'invoice customer escalation firewall backup migration quarterly forecast compliance audit ' +
  'payroll vendor contract renewal onboarding offboarding benchmark regression rollback hotfix ' +
  'certificate expiry capacity storage network switch router printer laptop license renewal ' +
  'meeting standup retro planning sprint demo launch marketing campaign pricing discount ' +
  'partner webinar conference travel expense approval legal privacy gdpr breach phishing'
).split(' ');

export interface PlannedFilter {
  readonly owner: number;
  readonly input: FilterInput;
}

export function benchFilters(count: number, usernames: readonly string[]): PlannedFilter[] {
  const users = usernames.length;
  if (users === 0) return [];
  if (count > users * 100) throw new Error(`--filters: at most 100 per user (${users * 100} here)`);
  const topic = (k: number) => TOPICS[k % TOPICS.length] ?? 'deploy';
  const out: PlannedFilter[] = [];
  for (let i = 0; i < count; i++) {
    const owner = i % users;
    const slot = i % 200;
    let input: FilterInput;
    if (slot < 4) {
      input = { name: `counter ${i}`, keywords: [String(200 + ((i * 37) % 400)), topic(i)] };
    } else if (slot === 4) {
      const author = usernames[(owner + 1 + (i % (users - 1 || 1))) % users] ?? '';
      input = { name: `from ${author}`, authors: [author] };
    } else if (slot < 7) {
      input = { name: 'mentions', mentions: true, keywords: [topic(i * 7)] };
    } else {
      const keywords = [topic(i), topic(i * 3 + 1)];
      if (i % 3 === 0) keywords.push(`${topic(i * 5 + 2)} ${topic(i * 11 + 3)}`);
      input = { name: `topics ${i}`, keywords };
    }
    out.push({ owner, input });
  }
  return out;
}
