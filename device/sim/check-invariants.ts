import { connectDevice, type Device, type DeviceOptions } from '../device.js';
import type { DeviceSession } from '../session/device-session.js';
import { keyedClientId } from './keyed-client-id.js';
import type { InvariantCheck, InvariantResult, Scenario, SimDeviceInfo } from './types.js';

export interface CheckOptions<M extends object> {
  broker: string;
  runId: string;
  scenario: Scenario<M>;
  effects: ReadonlyMap<string, number>;
  devices: readonly (SimDeviceInfo & { readonly memory: M })[];
  device: Omit<DeviceOptions, 'url' | 'clientId'>;
}

/** The session invariants read proxies through: its own, so it fences no device's instance. */
const CHECK_SESSION = 'sim-check';

/**
 * Runs the scenario's invariants once every device is done. Proxies are read straight at the
 * broker, not through the fault proxy: the check must see the committed state, not a fault.
 */
export async function checkInvariants<M extends object>(options: CheckOptions<M>): Promise<InvariantResult[]> {
  const entries = Object.entries(options.scenario.invariants ?? {});
  if (entries.length === 0) return [];
  let device: Device | null = null;
  const sessions = new Map<string, DeviceSession>();
  const check: InvariantCheck<M> = {
    runId: options.runId,
    effects: options.effects,
    devices: options.devices,
    call: async (proxy, method, ...args) => {
      device ??= await connectDevice({ ...options.device, url: options.broker, clientId: keyedClientId(options.device.key, `sim-${options.runId}-check`) });
      let session = sessions.get(proxy);
      if (!session) {
        session = device.session(proxy, CHECK_SESSION);
        sessions.set(proxy, session);
      }
      return session.invoke(method, args);
    },
  };
  const results: InvariantResult[] = [];
  try {
    for (const [name, invariant] of entries) results.push(await run(name, () => invariant(check)));
  } finally {
    await Promise.all([...sessions.values()].map((session) => session.end().catch(() => undefined)));
    await (device as Device | null)?.close();
  }
  return results;
}

async function run(name: string, invariant: () => Promise<true | string> | true | string): Promise<InvariantResult> {
  try {
    const verdict = await invariant();
    return verdict === true ? { name, ok: true } : { name, ok: false, detail: String(verdict) };
  } catch (error) {
    return { name, ok: false, detail: `threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
  }
}
