// A receiver process of bench:cluster (forked, IPC requests as in bench/media/ipc.mjs): holds many
// clients of one kind, counts what each got and, when asked, records each delivery's latency: now minus
// the send time carried in the data ("seq sentAtMs", both from performance.timeOrigin + now(): the same
// machine clock in every process). After a `reset`, signals numbered below its `from` are not counted.
import { createHistogram } from './stats.mjs';
import { inParallel, joinSocketIo, joinStagepass } from './clients.mjs';

const clients = [];
let counts = [];
let lastAt = 0;
let histogram = createHistogram();
let recording = false;
let fromSeq = 0;

const now = () => performance.timeOrigin + performance.now();

function onData(index) {
  return (data) => {
    const space = data.indexOf(' ');
    if (Number(data.slice(0, space)) < fromSeq) return; // sent before the measured part began
    counts[index]++;
    const t = now();
    lastAt = t;
    if (recording) histogram.add(t - Number(data.slice(space + 1)));
  };
}

const commands = {
  async join({ kind, joins }) {
    const start = clients.length;
    counts.push(...joins.map(() => 0));
    const join = kind === 'stagepass' ? joinStagepass : joinSocketIo;
    clients.push(
      ...(await inParallel(
        joins.map((j, i) => () => join({ ...j, onData: onData(start + i) })),
        20,
      )),
    );
    return { joined: clients.length };
  },
  reset({ record, from }) {
    fromSeq = from;
    counts = counts.map(() => 0);
    lastAt = 0;
    histogram = createHistogram();
    recording = record;
    return {};
  },
  counts: () => ({ total: counts.reduce((a, b) => a + b, 0), min: Math.min(...counts), lastAt }),
  histogram: () => histogram.toJSON(),
  close() {
    for (const c of clients) c.close();
    return {};
  },
};

process.on('message', async (m) => {
  try {
    process.send({ rid: m.rid, result: await commands[m.cmd](m) });
  } catch (error) {
    process.send({ rid: m.rid, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
