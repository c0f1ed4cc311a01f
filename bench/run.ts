/**
 * Stoa benchmarks: `npm run bench -- <scenario> [options]`, `npm run bench -- <scenario> --help`.
 * Each scenario starts the server in its own process, drives it over loopback WebSockets from
 * load-generator processes, prints a table and one JSON line, and stops by itself.
 * `--runs N` repeats a scenario and adds the median and range of its key figures.
 */
import { parseArgs } from 'node:util';
import { defaultOf, type Outcome, type Scenario, type Values } from './lib/scenario.ts';
import { flatten, median, printJson, printTable } from './lib/stats.ts';
import { all } from './scenarios/all.ts';
import { deliver } from './scenarios/deliver.ts';
import { join } from './scenarios/join.ts';
import { post } from './scenarios/post.ts';
import { room } from './scenarios/room.ts';
import { upload } from './scenarios/upload.ts';

const scenarios: Record<string, Scenario> = { post, deliver, room, join, all, upload };
scenarios.search = (await import('./scenarios/search.ts')).search;
scenarios.export = (await import('./scenarios/export.ts')).exportScenario;

function usage(): string {
  const list = Object.values(scenarios)
    .map((s) => `  ${s.name.padEnd(8)} ${s.summary}`)
    .join('\n');
  return `usage: npm run bench -- <scenario> [--runs N] [options]   (--help after a scenario lists its options)\n${list}`;
}

function help(s: Scenario): string {
  const opts = Object.entries(s.options)
    .map(
      ([k, o]) =>
        `  --${k}${o.type === 'string' ? ' <v>' : ''}`.padEnd(24) +
        o.help +
        (defaultOf(o) === undefined ? '' : ` (default ${defaultOf(o) ?? ''})`),
    )
    .join('\n');
  return `npm run bench -- ${s.name} [options]: ${s.summary}\n${opts}\n  --runs <n>              repeat and summarise (default 1)
  --max-other <pct>       repeat a run if other processes used more than this % of a core
  --retries <n>           at most this many repeats for --max-other (default 5)`;
}

export function print(outcome: Outcome): void {
  printTable(outcome.title, outcome.rows);
  printJson(outcome.json);
}

/** Median and range of the scenario's key figures over several runs. */
export function summarise(s: Scenario, outcomes: readonly Outcome[]): Outcome {
  const flat = outcomes.map((o) => flatten(o.json));
  const figures: Record<string, { median: number; min: number; max: number; runs: number[] }> = {};
  for (const key of s.keys) {
    const runs = flat.map((f) => f[key]).filter((v): v is number => typeof v === 'number');
    figures[key] = { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs };
  }
  const met = outcomes.map((o) => o.json.met === true);
  return {
    title: `${s.name}: ${outcomes.length} runs, median [min .. max]`,
    rows: [
      ...Object.entries(figures).map(([k, f]) => [k, `${f.median} [${f.min} .. ${f.max}]`] as const),
      ['target met in runs', `${met.filter(Boolean).length} of ${met.length}`],
    ],
    json: {
      scenario: s.name,
      summary: true,
      runs: outcomes.length,
      figures,
      metRuns: met.filter(Boolean).length,
    },
  };
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const scenario = name === undefined ? undefined : scenarios[name];
  if (!scenario) {
    console.error(usage());
    process.exitCode = name === undefined || name === '--help' ? 0 : 2;
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      ...Object.fromEntries(
        Object.entries(scenario.options).map(([k, o]) => [
          k,
          { type: o.type, ...(defaultOf(o) === undefined ? {} : { default: defaultOf(o) }) },
        ]),
      ),
      runs: { type: 'string', default: '1' },
      'max-other': { type: 'string' },
      retries: { type: 'string', default: '5' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(help(scenario));
    return;
  }
  const runs = Number(values.runs);
  // With --max-other P, a run during which something else used more than P % of a core is
  // repeated (up to --retries times): other people's builds share this machine.
  const maxOther = values['max-other'] === undefined ? Infinity : Number(values['max-other']);
  let retries = Number(values.retries);
  const outcomes: Outcome[] = [];
  while (outcomes.length < runs) {
    if (runs > 1) console.log(`\n=== ${scenario.name} run ${outcomes.length + 1} of ${runs}`);
    const ran = await scenario.run(values);
    const v = values as Values;
    const variant = {
      ...(v.experiment === undefined ? {} : { experiment: v.experiment }),
      ...(v['server-node-args'] === undefined ? {} : { serverNodeArgs: v['server-node-args'] }),
      ...(v.pin === true ? { pinned: true } : {}),
    };
    const outcome: Outcome = { ...ran, json: { ...ran.json, ...variant } };
    print(outcome);
    const other = Number(outcome.json.otherCpu ?? 0);
    if (other > maxOther && retries > 0) {
      retries--;
      console.log(
        `(disturbed: other processes used ${other} % of a core; repeating, ${retries} retries left)`,
      );
      continue;
    }
    outcomes.push(outcome);
  }
  if (runs > 1) print(summarise(scenario, outcomes));
}

main().then(
  // Exiting also ends any server or load-generator process still attached (they exit on disconnect).
  () => process.exit(),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
