/**
 * `deliver`: 1,000 connected clients in 100 rooms (10 each), 200 messages/s in aggregate; the
 * latency from send to receive of every delivery at every receiver, and exactly-once delivery.
 */
import { COMMON, num, type Scenario } from '../lib/scenario.ts';
import { fanoutOutcome, runFanout } from './fanout.ts';

const P99_MS = 50;

export const deliver: Scenario = {
  name: 'deliver',
  summary: `send-to-receive latency, 100 rooms x 10 clients, 200 msg/s (target p99 < ${P99_MS} ms)`,
  keys: [
    'latencyMs.p50',
    'latencyMs.p99',
    'latencyMs.max',
    'deliveriesPerSec',
    'serverCpu',
    'loadCpu',
    'otherCpu',
  ],
  options: {
    ...COMMON,
    duration: { type: 'string', default: '30', help: 'seconds of posting' },
    rooms: { type: 'string', default: '100', help: 'rooms' },
    'per-room': { type: 'string', default: '10', help: 'connected clients per room' },
    rate: { type: 'string', default: '200', help: 'messages per second, all rooms together' },
    'text-bytes': { type: 'string', default: '100', help: 'message text size' },
  },
  async run(values) {
    const f = await runFanout(values, {
      name: 'deliver',
      rooms: num(values, 'rooms'),
      perRoom: num(values, 'per-room'),
      rate: num(values, 'rate'),
      durationMs: num(values, 'duration') * 1000,
    });
    const met = f.latencyMs.p99 < P99_MS && f.exactlyOnce;
    const p = f.params;
    return fanoutOutcome(
      `deliver: ${p.rooms} rooms x ${p.perRoom} clients, ${p.rate} msg/s for ${p.durationMs / 1000} s`,
      f,
      { p99Ms: P99_MS },
      met,
      [[`target p99 < ${P99_MS} ms, exactly once`, met ? 'MET' : 'NOT MET']],
    );
  },
};
