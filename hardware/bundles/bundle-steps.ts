import type { Bundle, BundleReport, CommandOutcome } from '../../shared/bundle.js';
import type { Running, Step } from './bundle-journal.js';

/**
 * The pure rules of a bundle's life (DESIGN §9), apart from the executor's timers and files.
 * Commands run in order of `after` (ties in the order given); the last of them is the bundle's
 * recovery command.
 */
export function startRunning(bundle: Bundle, receivedAt: number): Running {
  const commands = bundle.commands
    .map((command, index) => ({ command, index }))
    .sort((a, b) => a.command.after - b.command.after || a.index - b.index)
    .map(({ command }) => command);
  return {
    bundle: { ...bundle, commands },
    receivedAt,
    steps: commands.map((command) => ({ status: 'pending', due: bundle.start + command.after })),
  };
}

const outcome = (method: string, step: Step, status: CommandOutcome['status']): CommandOutcome => ({
  method,
  status,
  due: step.due,
  ranAt: step.status === 'running' ? step.ranAt : null,
  error: null,
});

/** Every step's outcome; `open` steps (pending or running) become `status`. */
function outcomes(running: Running, status: CommandOutcome['status']): CommandOutcome[] {
  return running.steps.map((step, index) => {
    if (step.status !== 'pending' && step.status !== 'running') return step;
    return outcome((running.bundle.commands[index] as Bundle['commands'][number]).method, step, status);
  });
}

/** The report of a bundle a newer one replaced: what had not started is cancelled. */
export function supersededReport(running: Running, newer: string): BundleReport {
  return {
    id: running.bundle.id,
    status: 'superseded',
    receivedAt: running.receivedAt,
    lateMs: null,
    supersededBy: newer,
    commands: outcomes(running, 'cancelled'),
  };
}

/** The report of a bundle all of whose commands had their turn. */
export function finishedReport(running: Running): BundleReport {
  return { id: running.bundle.id, status: 'completed', receivedAt: running.receivedAt, lateMs: null, supersededBy: null, commands: outcomes(running, 'unknown') };
}

/**
 * The restart rule, applied to the journal's bundle when the agent starts again:
 * - a command that had started is `unknown`: it may have acted, so it is not run again;
 * - a command still due, or late by at most the tolerance, runs (at once if its time passed);
 * - a command whose time passed by more than the tolerance while the agent was down is
 *   `missed`, except the last (the recovery command), which runs at once: a bundle that ends
 *   with "switch off" still switches off, late rather than never.
 */
export function restartSteps(running: Running, now: number, toleranceMs: number): Step[] {
  const last = running.steps.length - 1;
  return running.steps.map((step, index): Step => {
    const method = (running.bundle.commands[index] as Bundle['commands'][number]).method;
    if (step.status === 'running') return outcome(method, step, 'unknown');
    if (step.status === 'pending' && index !== last && now - step.due > toleranceMs) return outcome(method, step, 'missed');
    return step;
  });
}
