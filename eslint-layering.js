// The layering of DESIGN §2 as ESLint `no-restricted-imports` rules, one config per folder.
//
// The table below says, per folder (or file), which of our paths it must not import. A folder
// inherits the bans of the folders above it (`broker/store/sqlite` also may not import `device`).
// Import specifiers are relative, so a ban on `broker/proxy` is spelled differently from each
// directory depth (`../proxy/x.js`, `../../broker/proxy/x.js`): `layeringConfigs()` writes one
// regular expression per route for every depth, and ESLint matches the specifier against them.
// Type-only imports are banned too: a type import is still a dependency of the layer.
import { readFileSync } from 'node:fs';

const SOURCES = '*.{ts,mts,cts,js,mjs,cjs}';
/** How many folder levels below a layer folder the generated `files` globs reach. */
const MAX_NESTING = 5;

const OUTSIDE = ['test', 'bench', 'examples'];
const SIDES = ['broker', 'device', 'hardware', 'cli'];
const PUBLIC_ENTRY = (side) => ({ path: side, except: [`${side}/index.js`] });

/**
 * The package's own name. A source that imports it (`stead/broker`) reaches its own code through
 * the build in dist/, around every relative-path ban below, so no source may.
 */
export const OWN_NAME = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).name;

/**
 * Every folder of broker/, with the folders of broker/ it imports directly. A folder may import
 * those and, in turn, whatever they may import; nothing else of broker/, the package entries
 * (`broker/index.ts`, `broker/testing.ts`) and any folder missing here included. Down the middle
 * runs DESIGN §2's chain host → runtime → proxy → protocol → transaction → record → store; the
 * other folders say where they hang. The layering test fails for a folder of broker/ not listed.
 * @type {Record<string, string[]>}
 */
export const BROKER_FOLDERS = {
  // Reads stead.json into the host's start options.
  config: ['host'],
  // aedes, listeners, start and stop: wires everything below.
  host: ['runtime', 'http', 'auth', 'metrics'],
  // The HTTP listener (admin API, health, metrics, dashboard) reads proxy views and metrics.
  http: ['proxy', 'metrics'],
  // Authentication and authorization at the MQTT edge, over keys and grants kept in the store.
  auth: ['store'],
  runtime: ['proxy'],
  proxy: ['protocol'],
  // The session protocol's decisions: pure functions returning a Step.
  protocol: ['transaction'],
  transaction: ['record'],
  record: ['store'],
  // A store URL may name a user's module, loaded through the app importer.
  store: ['apps'],
  // Proxy types and app loading: under every layer, importing nothing of broker/.
  apps: [],
  // Metrics receive events and import nothing back.
  metrics: [],
  // The dashboard's static files, which the HTTP listener serves.
  dashboard: [],
};

/** The folders of broker/ that `folder` may import: its own edges and everything below them. */
export function brokerReach(folder) {
  const reach = new Set();
  const visit = (name) => {
    for (const next of BROKER_FOLDERS[name] ?? []) {
      if (reach.has(next)) continue;
      reach.add(next);
      visit(next);
    }
  };
  visit(folder);
  return [...reach];
}

const brokerLayer = (folder) => {
  const reach = brokerReach(folder);
  return {
    unit: `broker/${folder}`,
    forbid: [{ path: 'broker', except: [folder, ...reach].map((name) => `broker/${name}`) }],
    why:
      reach.length === 0
        ? `broker/${folder}/ imports nothing of broker/`
        : `broker/${folder}/ imports only ${reach.map((name) => `${name}/`).join(', ')} of broker/`,
  };
};

/**
 * @typedef {{ path: string, except?: string[] }} Target  a folder, or a file as imported (`.js`)
 * @typedef {{ module: string }} ModuleTarget  a package, by name, with every subpath
 * @typedef {{ unit: string, forbid: (string | Target | ModuleTarget)[], why: string }} Layer
 * @type {Layer[]}
 */
export const LAYERS = [
  { unit: 'shared', forbid: [...SIDES, ...OUTSIDE], why: 'shared/ imports nothing of ours' },
  {
    unit: 'broker',
    forbid: ['device', 'hardware', 'cli', ...OUTSIDE],
    why: 'broker/ imports shared/ only',
  },
  { unit: 'device', forbid: ['broker', 'cli', ...OUTSIDE], why: 'device/ imports shared/ and hardware/' },
  { unit: 'hardware', forbid: ['broker', 'device', 'cli', ...OUTSIDE], why: 'hardware/ imports shared/' },
  {
    unit: 'cli',
    // The package's entries (package.json `exports`): device/ has four. Of shared/ only the
    // defaults and the error catalogue, which help texts and error printing need before a side loads.
    forbid: [
      ...['broker', 'hardware'].map(PUBLIC_ENTRY),
      { path: 'device', except: ['', 'agent/', 'sim/', 'flash/'].map((entry) => `device/${entry}index.js`) },
      { path: 'shared', except: ['shared/defaults.js', 'shared/errors.js'] },
      ...OUTSIDE,
    ],
    why: "cli/ imports only the package's public entries (each an index.js)",
  },
  ...['shared', ...SIDES].map((unit) => ({
    unit,
    forbid: [{ module: OWN_NAME }],
    why: "no source imports the package's own name; its code is reached by relative paths",
  })),
  // Inside broker/ dependencies point one way, top to bottom (DESIGN §2).
  ...Object.keys(BROKER_FOLDERS).map(brokerLayer),
];

/**
 * Known breaks that a refactor in flight removes. Each entry lets `unit` import `allow`; the
 * layering test fails once an entry is no longer needed, so that it is deleted, not forgotten.
 * @type {{ unit: string, allow: string, until: string }[]}
 */
export const PENDING = [
];

const segments = (path) => (path === '' ? [] : path.split('/'));
const isWithin = (path, folder) => folder === '' || path === folder || path.startsWith(`${folder}/`);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const relative = (from, to) => segments(to).slice(segments(from).length).join('/');
/** Matches the end of a path: the path itself, or anything inside it. */
const END = '(?:/|$)';

/**
 * The regular expressions that catch every route from a file in `dir` into `target`, one per
 * number of leading `../` (a route that climbs further is caught by the next one). Directory
 * names below a layer folder are unknown (`*`), so they never equal a real path segment.
 */
export function routesInto(dir, target) {
  const except = target.except ?? [];
  const dirParts = segments(dir);
  const routes = [];
  for (let up = 0; up <= dirParts.length; up += 1) {
    const ancestor = dirParts.slice(0, dirParts.length - up).join('/');
    const climb = up === 0 ? '\\./' : `(?:\\.\\./){${up}}(?!\\.\\./)`;
    const unless = except
      .filter((path) => isWithin(path, ancestor))
      .map((path) => `(?!${escape(relative(ancestor, path))}${END})`)
      .join('');
    if (isWithin(target.path, ancestor) && target.path !== ancestor) {
      routes.push(`^${climb}${unless}${escape(relative(ancestor, target.path))}${END}`);
    } else if (isWithin(ancestor, target.path) && !except.some((path) => isWithin(ancestor, path))) {
      routes.push(`^${climb}${unless}`);
    }
  }
  return routes;
}

function bansFor(unit, pending) {
  const allowed = pending.filter((entry) => isWithin(unit, entry.unit)).map((entry) => entry.allow);
  return LAYERS.filter((layer) => isWithin(unit, layer.unit)).flatMap((layer) =>
    layer.forbid
      .map((target) => (typeof target === 'string' ? { path: target } : target))
      .filter((target) => 'module' in target || !allowed.some((path) => isWithin(target.path, path)))
      .map((target) =>
        'module' in target
          ? { module: target.module, why: layer.why }
          : {
              path: target.path,
              except: [...(target.except ?? []), ...allowed.filter((path) => isWithin(path, target.path))],
              why: layer.why,
            },
      ),
  );
}

/** A bare specifier is the same from every folder: the package and each of its subpaths. */
const routesFor = (dir, ban) => ('module' in ban ? [`^${escape(ban.module)}${END}`] : routesInto(dir, ban));

const describe = (ban) =>
  'module' in ban ? ban.module : [ban.path, ...(ban.except?.length ? ['except', ban.except.join(', ')] : [])].join(' ');

function ruleFor(dir, bans) {
  const patterns = bans.flatMap((ban) =>
    routesFor(dir, ban).map((regex) => ({
      regex,
      message: `DESIGN §2: ${ban.why}; this file may not import ${describe(ban)}.`,
    })),
  );
  return { 'no-restricted-imports': ['error', { patterns }] };
}

/**
 * Flat-config objects, general folders first: ESLint lets the last matching config set a rule,
 * so the most specific folder wins and carries the bans it inherits.
 * @param {{ pending?: typeof PENDING }} [options]
 */
export function layeringConfigs({ pending = PENDING } = {}) {
  const isFile = (unit) => /\.\w+$/.test(unit);
  // An exempt folder gets configs of its own, so that its exemption reaches no other file.
  const units = [...new Set([...LAYERS, ...pending].map((entry) => entry.unit))].sort(
    (a, b) => segments(a).length - segments(b).length || Number(isFile(a)) - Number(isFile(b)),
  );
  return units.flatMap((unit) => {
    const bans = bansFor(unit, pending);
    if (isFile(unit)) {
      const dir = segments(unit).slice(0, -1).join('/');
      return [{ name: `layering/${unit}`, files: [unit], rules: ruleFor(dir, bans) }];
    }
    return Array.from({ length: MAX_NESTING + 1 }, (_, nesting) => {
      const dir = [unit, ...Array(nesting).fill('*')].join('/');
      return { name: `layering/${dir}`, files: [`${dir}/${SOURCES}`], rules: ruleFor(dir, bans) };
    });
  });
}
