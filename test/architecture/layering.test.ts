import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BROKER_FOLDERS, PENDING, brokerReach, layeringConfigs } from '../../eslint-layering.js';
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
  ['cli/probe.ts', '../shared/defaults.js', true],
  ['cli/probe.ts', '../shared/errors.js', true],
  ['cli/probe.ts', '../shared/wire/codec.js', false],
  ['cli/commands/probe.ts', '../../device/index.js', true],
  ['cli/probe.ts', '../device/agent/index.js', true],
  ['cli/probe.ts', '../device/sim/index.js', true],
  ['cli/commands/probe.ts', '../../device/flash/index.js', true],
  ['cli/probe.ts', '../device/agent/run-agent.js', false],
  ['cli/probe.ts', '../device/flash/build-agent.js', false],
  ['cli/probe.ts', '../broker/host/create-broker.js', false],
  ['cli/commands/probe.ts', '../../device/device.js', false],
  ['test/probe.ts', '../broker/proxy/proxy.js', true],
  ['bench/probe.ts', '../broker/store/sqlite/sqlite-store.js', true],
  ['examples/hello/probe.ts', '../../broker/store/types.js', true],
  // Inside broker/: host → runtime → proxy → protocol → transaction → record → store.
  ['broker/host/probe.ts', '../runtime/runtime.js', true],
  ['broker/host/probe.ts', '../store/types.js', true],
  ['broker/runtime/probe.ts', '../host/create-broker.js', false],
  ['broker/runtime/probe.ts', '../protocol/index.js', true],
  ['broker/transaction/probe.ts', '../protocol/frames/call.js', false],
  ['broker/transaction/probe.ts', '../../broker/protocol/frames/call.js', false],
  ['broker/record/probe.ts', '../transaction/transaction.js', false],
  ['broker/record/probe.ts', '../store/types.js', true],
  ['broker/store/probe.ts', '../record/record.js', false],
  ['broker/store/sqlite/probe.ts', '../../record/record.js', false],
  ['broker/store/sqlite/probe.ts', '../types.js', true],
  ['broker/proxy/probe.ts', '../index.js', false],
  ['broker/proxy/probe.ts', '../host/create-broker.js', false],
  ['broker/proxy/probe.ts', '../testing.js', false],
  ['broker/proxy/probe.ts', '../protocol/step.js', true],
  ['broker/runtime/probe.ts', '../protocol/step.js', true],
  ['broker/protocol/probe.ts', '../transaction/transaction.js', true],
  ['broker/protocol/probe.ts', '../record/record.js', true],
  ['broker/protocol/probe.ts', '../proxy/proxy.js', false],
  ['broker/protocol/probe.ts', '../runtime/runtime.js', false],
  ['broker/protocol/calls/probe.ts', '../../proxy/proxy.js', false],
  ['broker/transaction/probe.ts', '../protocol/step.js', false],
  ['broker/store/probe.ts', '../protocol/step.js', false],
  // A folder of broker/ that the table does not know is banned to every placed folder.
  ['broker/store/probe.ts', '../cluster/lease.js', false],
  ['broker/host/probe.ts', '../cluster/lease.js', false],
  // broker/apps/ is below every layer and above none.
  ['broker/store/probe.ts', '../apps/define-proxy.js', true],
  ['broker/protocol/probe.ts', '../apps/define-proxy.js', true],
  ['broker/auth/probe.ts', '../apps/define-proxy.js', true],
  ['broker/apps/probe.ts', './define-proxy.js', true],
  ['broker/apps/probe.ts', '../../shared/errors.js', true],
  ['broker/apps/probe.ts', '../store/types.js', false],
  ['broker/apps/probe.ts', '../index.js', false],
  ['broker/apps/probe.ts', '../metrics/histogram.js', false],
  // Metrics receive events: importable by host and http, importing nothing of broker/.
  ['broker/host/probe.ts', '../metrics/event-feed.js', true],
  ['broker/http/probe.ts', '../metrics/index.js', true],
  ['broker/proxy/probe.ts', '../metrics/index.js', false],
  ['broker/store/probe.ts', '../metrics/index.js', false],
  ['broker/metrics/probe.ts', '../host/create-broker.js', false],
  ['broker/metrics/probe.ts', '../store/types.js', false],
  ['broker/metrics/probe.ts', '../runtime/runtime.js', false],
  ['broker/metrics/probe.ts', '../apps/define-proxy.js', false],
  ['broker/metrics/probe.ts', './histogram.js', true],
  ['broker/metrics/probe.ts', '../../shared/clock.js', true],
  // Authentication and authorization: used by host, over the store.
  ['broker/host/probe.ts', '../auth/index.js', true],
  ['broker/auth/probe.ts', '../store/types.js', true],
  ['broker/auth/probe.ts', '../host/create-broker.js', false],
  ['broker/auth/probe.ts', '../proxy/proxy.js', false],
  ['broker/auth/probe.ts', '../record/record.js', false],
  ['broker/store/probe.ts', '../auth/index.js', false],
  ['broker/store/sqlite/probe.ts', '../../auth/registry.js', false],
  ['broker/proxy/probe.ts', '../auth/index.js', false],
  ['broker/record/probe.ts', '../auth/grants.js', false],
  // The HTTP listener: used by host, reading proxy views and metrics.
  ['broker/host/probe.ts', '../http/http-listener.js', true],
  ['broker/http/probe.ts', '../proxy/proxy-view.js', true],
  ['broker/http/probe.ts', '../host/create-broker.js', false],
  ['broker/http/probe.ts', '../runtime/runtime.js', false],
  ['broker/http/probe.ts', '../auth/index.js', false],
  ['broker/proxy/probe.ts', '../http/routes.js', false],
  ['broker/store/probe.ts', '../http/routes.js', false],
  // stead.json sits on top: it reads the host's options, and nothing of broker/ reads it.
  ['broker/config/probe.ts', '../host/start-broker.js', true],
  ['broker/config/probe.ts', '../store/types.js', true],
  ['broker/config/probe.ts', '../index.js', false],
  ['broker/host/probe.ts', '../config/load-config.js', false],
  ['broker/store/probe.ts', '../config/config-schema.js', false],
  ['broker/auth/probe.ts', '../config/config-schema.js', false],
  // The dashboard's files are served, not imported.
  ['broker/dashboard/probe.js', '../http/routes.js', false],
  ['broker/http/probe.ts', '../dashboard/dashboard.js', false],
  // No source imports the package's own name, whatever the subpath; outside the sources it is fine.
  ['broker/probe.ts', 'stead/broker', false],
  ['broker/store/probe.ts', 'stead/broker', false],
  ['broker/record/probe.ts', 'stead/broker/testing', false],
  ['broker/auth/probe.ts', 'stead', false],
  ['device/probe.ts', 'stead/device', false],
  ['device/session/probe.ts', 'stead/shared', false],
  ['shared/wire/probe.ts', 'stead/shared', false],
  ['hardware/probe.ts', 'stead/hardware', false],
  ['cli/probe.ts', 'stead/broker', false],
  ['cli/commands/probe.ts', 'stead/device', false],
  ['broker/probe.ts', 'steady', true],
  ['broker/probe.ts', 'stead-utils/x', true],
  ['test/probe.ts', 'stead/broker', true],
  ['examples/hello/probe.ts', 'stead/device', true],
];

describe('layering (DESIGN §2, enforced by eslint.config.js)', () => {
  it.each(CASES)('%s importing %s: allowed %s', async (file, specifier, allowed) => {
    const breaks = layeringBreaks(ROOT, await repoLayering(ROOT, file), file, importOf(specifier));
    expect(breaks.length === 0).toBe(allowed);
    if (!allowed) expect(breaks[0]).toMatch(/^'.*' import is restricted/);
  });

  it('rejects a type-only import across layers too', async () => {
    const file = 'broker/transaction/probe.ts';
    const code = "import type { Step } from '../protocol/step.js';\nexport type V = Step;\n";
    expect(layeringBreaks(ROOT, await repoLayering(ROOT, file), file, code)).toHaveLength(1);
  });

  describe('the table of broker/ folders', () => {
    const entries = readdirSync(`${ROOT}/broker`, { withFileTypes: true });
    const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);

    // A folder left out of the table could import anything of broker/ and be imported by nothing.
    it.each(folders)('places broker/%s', (folder) => {
      expect(Object.keys(BROKER_FOLDERS)).toContain(folder);
    });

    it('names only folders it places, and no folder reaches itself', () => {
      for (const [folder, imports] of Object.entries(BROKER_FOLDERS)) {
        for (const name of imports) expect(Object.keys(BROKER_FOLDERS), `${folder} → ${name}`).toContain(name);
        expect(brokerReach(folder), folder).not.toContain(folder);
      }
    });

    it('holds DESIGN §2 chain top to bottom', () => {
      const chain = ['host', 'runtime', 'proxy', 'protocol', 'transaction', 'record', 'store'];
      chain.forEach((layer, index) => {
        expect(brokerReach(layer), layer).toEqual(expect.arrayContaining(chain.slice(index + 1)));
        for (const above of chain.slice(0, index)) expect(brokerReach(layer), layer).not.toContain(above);
      });
    });

    it('leaves only the package entries directly in broker/', () => {
      const files = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
      expect(files.sort()).toEqual(['index.ts', 'testing.ts']);
    });
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
