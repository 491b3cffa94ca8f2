import { describe, expect, it } from 'vitest';
import { runSteps, type LifecycleStep } from '../../../broker/host/lifecycle.js';
import { SteadError } from '../../../shared/errors.js';

/** Steps a…e that note what they do in `log`; `failStart` / `failStop` name the steps that throw. */
function steps(log: string[], failStart: string[] = [], failStop: string[] = []): LifecycleStep<null>[] {
  return ['a', 'b', 'c', 'd', 'e'].map((name) => ({
    name,
    start: () => {
      if (failStart.includes(name)) throw Object.assign(new Error(`${name} failed`), { code: 'EBUSY' });
      log.push(`start ${name}`);
    },
    stop: () => {
      log.push(`stop ${name}`);
      if (failStop.includes(name)) throw new SteadError('STORE_FAILURE', `${name} did not stop`, { data: { stopping: name } });
    },
  }));
}

describe('a lifecycle of named steps', () => {
  it('starts the steps in order and stops them in reverse', async () => {
    const log: string[] = [];
    const stop = await runSteps(steps(log), null, () => {});
    await stop();
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d', 'start e', 'stop e', 'stop d', 'stop c', 'stop b', 'stop a']);
  });

  it.each([
    ['a', []],
    ['c', ['stop b', 'stop a']],
    ['e', ['stop d', 'stop c', 'stop b', 'stop a']],
  ])('a failure at step %s undoes the steps before it, last first, and no other', async (failing, undone) => {
    const log: string[] = [];
    const started = runSteps(steps(log, [failing]), null, () => {});
    await expect(started).rejects.toMatchObject({ code: 'STEAD_E_START_FAILED', data: { step: failing, system: 'EBUSY' } });
    expect(log.filter((line) => line.startsWith('stop'))).toEqual(undone);
  });

  it('a Stead error of a step is thrown as it is', async () => {
    const refuse = (): never => {
      throw new SteadError('BAD_OPTIONS', 'no');
    };
    const failing: LifecycleStep<null>[] = [{ name: 'options', start: refuse }];
    await expect(runSteps(failing, null, () => {})).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
  });

  it('an undo that fails does not stop the others: a failed start tells it, a stop rejects with it after all ran', async () => {
    const log: string[] = [];
    const told: string[] = [];
    await expect(runSteps(steps(log, ['d'], ['b']), null, (step) => told.push(step))).rejects.toMatchObject({ data: { step: 'd' } });
    expect(log.filter((line) => line.startsWith('stop'))).toEqual(['stop c', 'stop b', 'stop a']);
    expect(told).toEqual(['b']);

    const again: string[] = [];
    const stop = await runSteps(steps(again, [], ['d', 'b']), null, () => {});
    await expect(stop()).rejects.toMatchObject({ code: 'STEAD_E_STORE_FAILURE', data: { stopping: 'd' } });
    expect(again.filter((line) => line.startsWith('stop'))).toEqual(['stop e', 'stop d', 'stop c', 'stop b', 'stop a']);
  });
});
