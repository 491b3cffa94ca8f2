import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PENDING, layeringConfigs } from '../../eslint-layering.js';
import { readImportGraph, type ImportEdge } from '../helpers/import-graph.js';
import { layeringBreaks, repoLayering } from '../helpers/layering.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const importOf = (specifier: string): string => `import '${specifier}';\n`;

// (file importing, specifier, allowed?) against DESIGN §2; probe files need not exist.
const CASES: [string, string, boolean][] = [
  ['shared/probe.ts', './clock.js', true],
  ['shared/wire/probe.ts', '../errors.js', true],
  ['shared/wire/probe.ts', '../../broker/index.js', false],
  ['shared/probe.ts', '../device/index.js', false],
  ['shared/probe.ts', '../test/helpers/wait.js', false],
  ['broker/probe.ts', '../shared/index.js', true],
  ['broker/probe.ts', '../cli/stead.js', false],
  ['broker/host/probe.ts', '../../device/index.js', false],
  ['broker/store/sqlite/probe.ts', '../../../device/device.js', false],
  ['broker/store/sqlite/probe.ts', '../../../hardware/gpio.js', false],
  ['device/probe.ts', '../broker/index.js', false],
  ['device/session/probe.ts', '../../hardware/gpio.js', true],
  ['device/session/probe.ts', '../../shared/errors.js', true],
  ['hardware/probe.ts', '../shared/clock.js', true],
  ['hardware/probe.ts', '../device/index.js', false],
  ['cli/probe.ts', '../broker/index.js', true],
  ['cli/probe.ts', '../shared/index.js', false],
  ['cli/commands/probe.ts', '../../device/index.js', true],
  ['cli/probe.ts', '../device/agent/index.js', true],
  ['cli/probe.ts', '../device/sim/index.js', true],
  ['cli/commands/probe.ts', '../../device/flash/index.js', true],
  ['cli/probe.ts', '../device/agent/run-agent.js', false],
  ['cli/probe.ts', '../device/flash/build-agent.js', false],
  ['cli/probe.ts', '../broker/host/create-broker.js', false],
  ['cli/probe.ts', '../shared/errors.js', false],
  ['cli/commands/probe.ts', '../../device/device.js', false],
  ['test/probe.ts', '../broker/proxy/proxy.js', true],
  ['bench/probe.ts', '../broker/store/sqlite/sqlite-store.js', true],
  ['examples/hello/probe.ts', '../../broker/store/types.js', true],
  // Inside broker/: host → runtime → proxy → handlers → transaction → record → store.
  ['broker/host/probe.ts', '../runtime/runtime.js', true],
  ['broker/host/probe.ts', '../store/types.js', true],
  ['broker/runtime/probe.ts', '../host/create-broker.js', false],
  ['broker/transaction/probe.ts', '../handlers/call.js', false],
  ['broker/transaction/probe.ts', '../../broker/handlers/call.js', false],
  ['broker/record/probe.ts', '../transaction/transaction.js', false],
  ['broker/record/probe.ts', '../store/types.js', true],
  ['broker/store/probe.ts', '../record/record.js', false],
  ['broker/store/sqlite/probe.ts', '../../record/record.js', false],
  ['broker/store/sqlite/probe.ts', '../types.js', true],
  ['broker/proxy/probe.ts', '../index.js', false],
  // broker/apps/ is below every layer and above none.
  ['broker/store/probe.ts', '../apps/define-proxy.js', true],
  ['broker/handlers/probe.ts', '../apps/define-proxy.js', true],
  ['broker/apps/probe.ts', './define-proxy.js', true],
  ['broker/apps/probe.ts', '../../shared/errors.js', true],
  ['broker/apps/probe.ts', '../store/types.js', false],
  ['broker/apps/probe.ts', '../index.js', false],
  // Metrics receive events: importable by host, importing nothing of broker/.
  ['broker/host/probe.ts', '../metrics/event-feed.js', true],
  ['broker/metrics/probe.ts', '../host/create-broker.js', false],
  ['broker/metrics/probe.ts', '../store/types.js', false],
  ['broker/metrics/probe.ts', '../runtime/runtime.js', false],
  ['broker/metrics/probe.ts', './histogram.js', true],
  ['broker/metrics/probe.ts', '../../shared/clock.js', true],
];

describe('layering (DESIGN §2, enforced by eslint.config.js)', () => {
  it.each(CASES)('%s importing %s: allowed %s', async (file, specifier, allowed) => {
    const breaks = layeringBreaks(ROOT, await repoLayering(ROOT, file), file, importOf(specifier));
    expect(breaks.length === 0).toBe(allowed);
    if (!allowed) expect(breaks[0]).toMatch(/^'.*' import is restricted/);
  });

  it('rejects a type-only import across layers too', async () => {
    const file = 'broker/transaction/probe.ts';
    const code = "import type { Verdict } from '../handlers/call.js';\nexport type V = Verdict;\n";
    expect(layeringBreaks(ROOT, await repoLayering(ROOT, file), file, code)).toHaveLength(1);
  });

  describe('the imports in the repo', () => {
    const edges = readImportGraph(ROOT).then((graph) => graph.edges);

    // ESLint's rule sees static imports only; the same rule is run here on dynamic ones.
    it('keep the layering, dynamic imports included', async () => {
      const all = await edges;
      expect(all.filter((edge) => edge.dynamic).length).toBeGreaterThan(0);
      const breaks: string[] = [];
      for (const file of new Set(all.map((edge) => edge.from))) {
        const configs = await repoLayering(ROOT, file);
        for (const edge of all.filter((other) => other.from === file)) {
          breaks.push(...layeringBreaks(ROOT, configs, file, importOf(edge.request)).map((message) => `${file}: ${message}`));
        }
      }
      expect(breaks).toEqual([]);
    });

    it.each(PENDING)('still need the exemption for $unit importing $allow (until $until)', async (entry) => {
      const configs = layeringConfigs({ pending: PENDING.filter((other) => other !== entry) });
      const inUnit = (edge: ImportEdge): boolean => edge.from.startsWith(`${entry.unit}/`);
      const breaks = (await edges)
        .filter(inUnit)
        .flatMap((edge) => layeringBreaks(ROOT, configs, edge.from, importOf(edge.request)));
      // Once this fails the refactor has landed: delete the entry from PENDING in eslint-layering.js.
      expect(breaks.length).toBeGreaterThan(0);
    });
  });
});
