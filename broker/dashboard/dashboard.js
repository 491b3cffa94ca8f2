// The Stead dashboard: plain JavaScript served as is, no build step. It reads the
// broker's admin API (`/api/…`, behind the admin credential) and follows `/api/events`, a
// server-sent event stream with one `tick` per history interval.

const KEEP = 300;
const $ = (selector) => document.querySelector(selector);

const state = { points: [], source: null, route: null, lastView: null, events: [], drawnList: '' };

function text(selector, value) {
  const node = $(selector);
  if (node.textContent !== value) node.textContent = value;
}

function cell(value, className) {
  const td = document.createElement('td');
  if (value instanceof Node) td.append(value);
  else td.textContent = String(value);
  if (className) td.className = className;
  return td;
}

function rows(tbody, list, toCells) {
  tbody.replaceChildren(
    ...list.map((item) => {
      const tr = document.createElement('tr');
      tr.append(...toCells(item));
      return tr;
    }),
  );
}

const ms = (seconds) => (seconds === null || seconds === undefined ? '–' : `${(seconds * 1000).toFixed(1)} ms`);
const rate = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const time = (at) => (at ? new Date(at).toLocaleTimeString() : '–');

function duration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `up ${h}h ${m}m` : m ? `up ${m}m ${seconds % 60}s` : `up ${seconds}s`;
}

/** A line chart of `values` (null for a gap) in an SVG with a 600×140 view box. */
function chart(svg, values) {
  const max = Math.max(1e-9, ...values.filter((v) => v !== null));
  const step = 600 / Math.max(1, KEEP - 1);
  const offset = (KEEP - values.length) * step;
  let path = '';
  values.forEach((v, i) => {
    if (v === null) return;
    const x = (offset + i * step).toFixed(1);
    const y = (134 - (v / max) * 124).toFixed(1);
    path += `${path === '' || values[i - 1] === null ? 'M' : 'L'}${x},${y}`;
  });
  const grid = [35, 70, 105].map((y) => `<line class="grid" x1="0" x2="600" y1="${y}" y2="${y}"/>`).join('');
  svg.innerHTML = `${grid}<path class="line" d="${path}"/>`;
  return max;
}

function renderStatus(status) {
  text('#mqtt', status.mqtt);
  text('#uptime', duration(status.uptimeSeconds));
  const store = $('#store');
  store.textContent = `${status.store.url} ${status.store.healthy ? 'healthy' : 'unhealthy'}`;
  store.className = `badge ${status.store.healthy ? 'ok' : 'bad'}`;
  text('#connections', String(status.connections));
  text('#proxies', `${status.proxiesLive} / ${status.proxiesLoaded}`);
  text('#sessions', String(status.sessions));
  text('#calls-total', String(status.callsTotal));
  text('#gate', String(status.gateBacklog));
  const errors = Object.entries(status.errors).sort((a, b) => b[1] - a[1]);
  rows($('#errors tbody'), errors.length ? errors : [['none', '']], ([code, n]) => [cell(code), cell(n, 'num')]);
}

function renderCharts() {
  const last = state.points[state.points.length - 1];
  if (last) {
    text('#calls-rate', rate(last.callsPerSecond));
    text('#commits-rate', rate(last.commitsPerSecond));
    text('#p99', ms(last.p99));
  }
  const callsMax = chart($('#chart-calls'), state.points.map((p) => p.callsPerSecond));
  const p99Max = chart($('#chart-p99'), state.points.map((p) => (p.p99 === null ? null : p.p99 * 1000)));
  text('#calls-max', `max ${rate(callsMax)}`);
  text('#p99-max', `max ${p99Max.toFixed(1)}`);
}

async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (response.status === 401) {
    showLogin();
    throw new Error('signed out');
  }
  return response.json();
}

async function refreshList() {
  const query = encodeURIComponent($('#search').value.trim());
  const list = await api(`/api/proxies?q=${query}&limit=200`);
  // Redraw only what changed: a row being clicked is not replaced under the pointer for nothing.
  const drawn = JSON.stringify(list);
  if (drawn === state.drawnList) return;
  state.drawnList = drawn;
  rows($('#proxy-list tbody'), list, (p) => {
    const link = document.createElement('a');
    link.href = `#/proxy/${p.key}`;
    link.textContent = p.key;
    return [cell(link), cell(p.sessions, 'num'), cell(p.inbox, 'num'), cell(p.queued, 'num'), cell(p.gateBacklog, 'num'), cell(p.timers, 'num')];
  });
}

/** What changed in a proxy since the last view: the page's list of recent events. */
function diff(before, after) {
  const changes = [];
  if (!before) return changes;
  if (after.version !== before.version) changes.push(`committed version ${after.version}`);
  const old = new Map(before.sessions.map((s) => [s.name, s]));
  for (const s of after.sessions) {
    const o = old.get(s.name);
    if (!o) changes.push(`session ${s.name} appeared`);
    else {
      if (s.nonce !== o.nonce) changes.push(`session ${s.name}: new instance ${s.nonce ?? '(ended)'}`);
      if (s.lastSeq !== o.lastSeq) changes.push(`session ${s.name}: seq ${o.lastSeq} → ${s.lastSeq}`);
      if (s.queueDepth !== o.queueDepth) changes.push(`session ${s.name}: queue ${o.queueDepth} → ${s.queueDepth}`);
      if (s.dropped !== o.dropped) changes.push(`session ${s.name}: ${s.dropped - o.dropped} notifications dropped`);
    }
  }
  if (after.timers.length !== before.timers.length) changes.push(`timers ${before.timers.length} → ${after.timers.length}`);
  return changes;
}

function renderProxy(view) {
  if (!view) {
    text('#proxy-meta', 'not hosted and not in the store');
    return;
  }
  text('#proxy-key', view.key);
  const live = view.source === 'live' ? `inbox ${view.inbox} · held ${view.held} · output gate ${view.gateBacklog}` : 'not live: read from the store';
  text('#proxy-meta', `version ${view.version} · ${view.stateBytes} bytes of state · ${live} · last commit ${time(view.lastCommitAt)}`);
  rows($('#sessions-table tbody'), view.sessions, (s) => [
    cell(s.name), cell(s.nonce ?? '–'), cell(s.lastSeq, 'num'), cell(s.replyCache, 'num'), cell(s.queueDepth, 'num'), cell(s.queueLimit, 'num'), cell(s.dropped, 'num'), cell(time(s.lastVisit)),
  ]);
  rows($('#timers-table tbody'), view.timers.length ? view.timers : [{ method: 'none', at: 0 }], (t) => [cell(t.method), cell(t.at ? new Date(t.at).toLocaleString() : '')]);
  const stamp = new Date().toLocaleTimeString();
  for (const change of diff(state.lastView, view)) state.events.unshift(`${stamp}  ${change}`);
  state.events.length = Math.min(state.events.length, 200);
  state.lastView = view;
  $('#events').replaceChildren(...state.events.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
}

function follow(proxy) {
  state.source?.close();
  const live = $('#live');
  const source = new EventSource(proxy ? `/api/events?proxy=${encodeURIComponent(proxy)}` : '/api/events');
  state.source = source;
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'badge ok';
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'badge bad';
    // A stream refused for want of a credential does not come back by itself.
    api('/api/status').catch(() => source.close());
  });
  source.addEventListener('tick', (event) => {
    const { status, points, proxy: view } = JSON.parse(event.data);
    state.points.push(...points);
    state.points.splice(0, Math.max(0, state.points.length - KEEP));
    renderStatus(status);
    renderCharts();
    if (proxy) renderProxy(view);
    else refreshList().catch(() => {});
  });
}

function route() {
  const match = /^#\/proxy\/([^/]+\/[^/]+)$/.exec(location.hash);
  const proxy = match ? decodeURIComponent(match[1]) : null;
  $('#login').hidden = true;
  $('#overview').hidden = proxy !== null;
  $('#proxy').hidden = proxy === null;
  if (proxy !== state.route) {
    state.route = proxy;
    state.lastView = null;
    state.events = [];
  }
  follow(proxy);
}

function showLogin() {
  state.source?.close();
  $('#overview').hidden = true;
  $('#proxy').hidden = true;
  $('#login').hidden = false;
  $('#token').focus();
}

$('#login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: $('#token').value }) });
  $('#login-error').hidden = response.ok;
  if (response.ok) route();
});
$('#search').addEventListener('input', () => refreshList().catch(() => {}));
window.addEventListener('hashchange', route);

api('/api/status').then(route, () => {});
