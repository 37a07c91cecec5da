// The case list and the targets. Kept free of imports, like bench/tokens/cases/index.mjs.
//
// A case is one server kind (bench/gateway/server.mjs <server>) driven by one load mode
// (bench/gateway/load.mjs <load…>), each in its own process. `maxRounds` caps the slower cases
// (fewer rounds than --rounds); `family` picks the table the case is reported in.

export const CASES = [
  { name: 'admissions-gateway', family: 'admissions', server: 'gateway', load: ['admissions'] },
  { name: 'admissions-bare-ws', family: 'admissions', server: 'bare-ws', load: ['admissions'] },
  {
    name: 'fanout-2000-gateway',
    family: 'fanout-rate',
    server: 'gateway',
    load: ['fanout', '--rate', '2000'],
    maxRounds: 3,
  },
  {
    name: 'fanout-2000-ws-corked',
    family: 'fanout-rate',
    server: 'ws-broadcast-corked',
    load: ['fanout', '--rate', '2000'],
    maxRounds: 3,
  },
  {
    name: 'fanout-max-gateway',
    family: 'fanout-max',
    server: 'gateway',
    load: ['fanout', '--rate', 'max'],
    maxRounds: 3,
  },
  {
    name: 'fanout-max-ws-corked',
    family: 'fanout-max',
    server: 'ws-broadcast-corked',
    load: ['fanout', '--rate', 'max'],
    maxRounds: 3,
  },
  {
    name: 'fanout-max-ws-plain',
    family: 'fanout-max',
    server: 'ws-broadcast-plain',
    load: ['fanout', '--rate', 'max'],
    maxRounds: 3,
  },
  { name: 'idle-10k-gateway', family: 'idle', server: 'gateway', load: ['idle', '--count', '10000'], maxRounds: 3 },
  { name: 'idle-10k-bare-ws', family: 'idle', server: 'bare-ws', load: ['idle', '--count', '10000'], maxRounds: 3 },
];

/**
 * The targets. `ratio`: median `metric` of numerator over denominator, from the same run.
 * `max`: the case's median `metric` must be at most `target`; `require` adds a condition checked on
 * every round (the fan-out rate must be sustained: nothing missing, ≥ 98 % of the rate delivered).
 */
export const TARGETS = [
  {
    name: 'admissions/s vs bare ws',
    kind: 'ratio',
    metric: 'admissionsPerSec',
    numerator: 'admissions-gateway',
    denominator: 'admissions-bare-ws',
    target: 0.7,
  },
  {
    name: 'fan-out 1→100 deliveries/s vs corked ws broadcast',
    kind: 'ratio',
    metric: 'deliveriesPerSec',
    numerator: 'fanout-max-gateway',
    denominator: 'fanout-max-ws-corked',
    target: 0.8,
  },
  {
    name: '2,000 signals/s → 100 receivers sustained, p99 latency',
    kind: 'max',
    metric: 'latencyP99Ms',
    unit: 'ms',
    case: 'fanout-2000-gateway',
    target: 5,
    require: 'sustained',
  },
  {
    name: 'heap per idle admitted connection (10,000)',
    kind: 'max',
    metric: 'heapPerConnKiB',
    unit: 'KiB',
    case: 'idle-10k-gateway',
    target: 8,
  },
];
