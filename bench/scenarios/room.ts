/** `room`: one room with 1,000 connected members, 100 messages/s: deliveries/s and latency. */
import { COMMON, num, type Scenario } from '../lib/scenario.ts';
import { fanoutOutcome, runFanout } from './fanout.ts';

const RATE = 100_000;
const P99_MS = 100;

export const room: Scenario = {
  name: 'room',
  summary: `one room of 1,000 members, 100 msg/s (target >= ${RATE} deliveries/s, p99 < ${P99_MS} ms)`,
  keys: [
    'deliveriesPerSec',
    'serverUsPerDelivery',
    'latencyMs.p50',
    'latencyMs.p99',
    'latencyMs.max',
    'serverCpu',
    'loadCpu',
    'otherCpu',
  ],
  options: {
    ...COMMON,
    duration: { type: 'string', default: '30', help: 'seconds of posting' },
    members: { type: 'string', default: '1000', help: 'connected members of the room' },
    rate: { type: 'string', default: '100', help: 'messages per second' },
    'text-bytes': { type: 'string', default: '100', help: 'message text size' },
  },
  async run(values) {
    const f = await runFanout(values, {
      name: 'room',
      rooms: 1,
      perRoom: num(values, 'members'),
      rate: num(values, 'rate'),
      durationMs: num(values, 'duration') * 1000,
    });
    const met = f.deliveriesPerSec >= RATE && f.latencyMs.p99 < P99_MS && f.exactlyOnce;
    const p = f.params;
    return fanoutOutcome(
      `room: 1 room x ${p.perRoom} members, ${p.rate} msg/s for ${p.durationMs / 1000} s`,
      f,
      { deliveriesPerSec: RATE, p99Ms: P99_MS },
      met,
      [[`target >= ${RATE} deliveries/s, p99 < ${P99_MS} ms`, met ? 'MET' : 'NOT MET']],
    );
  },
};
