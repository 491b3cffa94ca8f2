/**
 * The lamp's gadget side (docs/agent.md): the agent runs it on the Pi. The proxy (app.ts) sends
 * bundles of `on` and `off`; the lamp is on GPIO18 and is left off when the agent stops.
 */
import { defineGadget } from '../../device/agent/index.js';

export default defineGadget({
  app: 'lamp',
  pins: { lamp: { line: 18, direction: 'out', initial: false, safe: false } },
  commands: {
    on: (_args, io) => io.pins.write('lamp', true),
    off: (_args, io) => io.pins.write('lamp', false),
  },
  onBegin: ({ crashed }, io) => io.log('lamp agent begun', { crashed }),
});
