/** `all`: every scenario once, in sequence, with shortened durations; a summary table at the end. */
import type { Outcome, Scenario, Values } from '../lib/scenario.ts';
import { COMMON, defaultOf } from '../lib/scenario.ts';
import { printJson, printTable } from '../lib/stats.ts';
import { deliver } from './deliver.ts';
import { join } from './join.ts';
import { post } from './post.ts';
import { room } from './room.ts';

function defaults(s: Scenario): Values {
  return Object.fromEntries(Object.entries(s.options).map(([k, o]) => [k, defaultOf(o)]));
}

export const all: Scenario = {
  name: 'all',
  summary: 'post 5 s, deliver 10 s, room 10 s, join 500 joins (cached 1M-message store), in sequence',
  keys: [],
  options: {
    ...COMMON,
    duration: { type: 'string', default: '5', help: 'seconds for post (deliver and room run twice as long)' },
  },
  async run(values) {
    const d = Number(values.duration ?? 5);
    const common = Object.fromEntries(Object.keys(COMMON).map((k) => [k, values[k]]));
    const plan: [Scenario, Values][] = [
      [post, { duration: String(d) }],
      [deliver, { duration: String(2 * d) }],
      [room, { duration: String(2 * d) }],
      [join, { joins: '500', cache: true }],
    ];
    const outcomes: Outcome[] = [];
    for (const [s, overrides] of plan) {
      console.log(`\n=== ${s.name}`);
      const outcome = await s.run({ ...defaults(s), ...common, ...overrides });
      printTable(outcome.title, outcome.rows);
      printJson(outcome.json);
      outcomes.push(outcome);
    }
    const headline = (o: Outcome): string => {
      const j = o.json as any;
      switch (j.scenario) {
        case 'post':
          return `${j.ackedPerSec} acked msg/s, nothing lost: ${j.nothingLost}`;
        case 'deliver':
        case 'room':
          return `${j.deliveriesPerSec} deliveries/s, p50 ${j.latencyMs.p50} ms, p99 ${j.latencyMs.p99} ms, exactly once: ${j.exactlyOnce}`;
        default:
          return `join p50 ${j.joinLatencyMs.p50} ms, p99 ${j.joinLatencyMs.p99} ms`;
      }
    };
    return {
      title: 'all: summary',
      rows: outcomes.map((o) => [
        String(o.json.scenario),
        `${o.json.met === true ? 'MET    ' : 'NOT MET'}  ${headline(o)}`,
      ]),
      json: {
        scenario: 'all',
        results: outcomes.map((o) => o.json),
        met: outcomes.every((o) => o.json.met === true),
      },
    };
  },
};
