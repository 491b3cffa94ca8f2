/**
 * The simulate bench's clients (a child process of bench/simulate.ts): N simulated devices by
 * `simulateDevices`, held connected until the orchestrator has measured the broker. `stead`: each
 * device begins a session on a proxy of its own and buys once (a live proxy per device). `raw`:
 * the same devices and subscriptions, no begin and no call (raw aedes has no proxies).
 */
import { defineScenario, simulateDevices } from '../device/sim/index.js';
import type { SimulateChildMessage, SimulateJob, SimulateParentMessage } from './simulate-protocol.js';

const send = (message: SimulateChildMessage): void => void process.send?.(message);

async function run(job: SimulateJob): Promise<void> {
  let released: () => void = () => {};
  const release = new Promise<void>((resolve) => (released = resolve));
  process.on('message', (message: SimulateParentMessage) => {
    if (message.type === 'release') released();
  });
  let holding = 0;
  const startedAt = performance.now();
  const hold = async (): Promise<void> => {
    if (++holding === job.devices) send({ type: 'holding', connectMs: Math.round(performance.now() - startedAt) });
    await release;
  };
  const scenario = defineScenario({
    name: `bench-${job.mode}`,
    async step(ctx) {
      const session = ctx.session(`toaster/bench-${ctx.runId}-${ctx.index}`, 'gadget', { autoBegin: job.mode === 'stead' });
      if (job.mode === 'stead') await ctx.call(session, 'buy', 'bread');
      await hold();
    },
  });
  const result = await simulateDevices({ broker: job.url, devices: job.devices, steps: 1, connectBatch: job.connectBatch, scenario });
  send({ type: 'done', calls: result.calls, errors: result.errors, p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuPercent: result.cpuPercent });
}

process.on('message', (message: SimulateParentMessage) => {
  if (message.type === 'exit') process.exit(0);
  if (message.type !== 'job') return;
  run(message).catch((error: unknown) => send({ type: 'failed', message: String(error) }));
});
send({ type: 'ready' });
