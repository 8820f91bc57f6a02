// The operator console: one ES module, no framework, no build, served by the worker itself. It renders
// from the admin API (/api/v1/) with the token kept in this tab's sessionStorage and sent as a Bearer
// header (no cookies: nothing for a cross-site request to ride on). Filters live in the URL's hash;
// a search by e-mail never does (personal data stays out of URLs).

const REFRESH_MS = 4000;
// The ledger's states and its failure states, as the server defines them (src/db/order-states.ts), read at sign-in.
let STATES = [];
let FAILURE_STATES = [];
const SERIES = [
  ['pulled', '#0b5cad'],
  ['submitted', '#1a7f37'],
  ['shipped', '#8a5a00'],
  ['writtenBack', '#6f42c1'],
];

const $ = (sel) => document.querySelector(sel);
let timer;
let renderSeq = 0;
let searchQ = ''; // kept out of the URL when it is an e-mail

/** An element from a tag, attributes and children; text is always text (never parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElementNS(tag === 'svg' || attrs.svg ? 'http://www.w3.org/2000/svg' : 'http://www.w3.org/1999/xhtml', tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'svg' || v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
const s = (tag, attrs = {}, ...children) => h(tag, { ...attrs, svg: true }, ...children);

const token = () => sessionStorage.getItem('ordersync-token');

async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401) {
    sessionStorage.removeItem('ordersync-token');
    showSignin('The token was refused.');
    throw new Error('unauthorized');
  }
  if (!res.ok) throw Object.assign(new Error(json.message ?? `HTTP ${res.status}`), { status: res.status, body: json });
  return json;
}

/** A file from the API (the CSV export), saved by the browser under `filename`: the token goes in a header, so no plain link can fetch it. */
async function download(path, body, filename) {
  const res = await fetch(`/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message ?? `HTTP ${res.status}`);
  const a = h('a', { href: URL.createObjectURL(await res.blob()), download: filename });
  document.body.append(a);
  a.click();
  a.remove();
}

function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  return { view: parts[0] ?? 'overview', arg: parts[1] ? decodeURIComponent(parts[1]) : undefined, params: new URLSearchParams(query) };
}

function go(view, params) {
  const q = params ? new URLSearchParams([...params].filter(([, v]) => v !== '' && v !== undefined)).toString() : '';
  location.hash = `#/${view}${q ? `?${q}` : ''}`;
}

function showSignin(message = '') {
  clearTimeout(timer);
  renderSeq++;
  $('#view').replaceChildren();
  $('#who').textContent = '';
  $('#signin').hidden = false;
  $('#signin-error').textContent = message;
  $('#token').focus();
}

async function signin(ev) {
  ev.preventDefault();
  sessionStorage.setItem('ordersync-token', $('#token').value.trim());
  $('#token').value = '';
  try {
    await start();
  } catch {
    /* showSignin has said why */
  }
}

let me;
async function start() {
  me = await api('/whoami');
  ({ all: STATES, failures: FAILURE_STATES } = await api('/order-states'));
  $('#signin').hidden = true;
  $('#who').replaceChildren(`${me.name} (${me.role}) `, h('button', { class: 'secondary', type: 'button', onclick: () => { sessionStorage.removeItem('ordersync-token'); showSignin(); } }, 'Sign out'));
  await render();
}

const canAct = () => me?.role === 'operator';
const utc = (iso) => new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
/** A moment in the browser's own zone, with UTC on hover (the ledger, logs and CLI speak UTC). */
const time = (iso) => (iso ? h('time', { datetime: iso, title: utc(iso) }, new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })) : '—');
/** A fix as text: `ordersync …` between backticks becomes code, never markup. */
const fixText = (fix) => (fix ?? '').split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));
/** A table, or a line saying there is nothing to show (an empty table reads as broken). */
const tableOr = (rows, empty, table) => (rows.length ? table(rows) : h('p', { class: 'muted empty' }, empty));
const money = (t) => (t ? `${t.amount} ${t.currencyCode}` : '—');
/** How long ago, with the moment itself (local and UTC) on hover. */
const ago = (iso) => {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  const text = s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
  return h('time', { datetime: iso, title: `${new Date(iso).toLocaleString()} (${utc(iso)})` }, text);
};
/** Only http(s) links from data (a tracking URL comes from OrderMesh): never `javascript:` or the like. */
const safeUrl = (u) => {
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};
const stateBadge = (st) => h('span', { class: `state ${st}` }, st);
const orderLink = (o) => h('a', { href: `#/orders/${encodeURIComponent(o.id)}` }, o.name ?? o.storeOrderId);

/** The nav's link for the view shown carries aria-current; changed only when the view changes, so a refresh never flips it. */
function highlightNav(view) {
  for (const a of document.querySelectorAll('nav a')) {
    const current = a.dataset.view === view;
    if (current && a.getAttribute('aria-current') !== 'page') a.setAttribute('aria-current', 'page');
    else if (!current && a.hasAttribute('aria-current')) a.removeAttribute('aria-current');
  }
}

const VIEWS = () => ({ overview, failures, orders: (r) => (r.arg ? orderPage(r) : ordersList(r)), jobs, workers });

/**
 * Draws the view the URL names. `tick` is the live refresh: the new view takes over what the operator
 * had in the old one (typed text, ticked boxes, open sections, focus and caret, scroll), and waits
 * while text is selected in it, so reading, typing or copying is never interrupted.
 */
async function render({ tick = false } = {}) {
  clearTimeout(timer);
  const seq = ++renderSeq;
  const r = route();
  highlightNav(r.view);
  try {
    const node = await (VIEWS()[r.view] ?? overview)(r);
    if (seq !== renderSeq) return; // a newer render started meanwhile
    if (tick && selectingIn($('#view'))) return schedule();
    if (tick) keepPlace($('#view'), node);
    else $('#view').replaceChildren(node);
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (err.message === 'unauthorized') return;
    if (seq !== renderSeq) return;
    $('#view').replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
  }
  schedule();
}

/** The next refresh, unless paused or an operator is in the middle of something (a preview or form open). */
function schedule() {
  clearTimeout(timer);
  if (!refreshPaused() && !document.querySelector('.preview, form.sku')) timer = setTimeout(() => render({ tick: true }), REFRESH_MS);
}

const refreshPaused = () => sessionStorage.getItem('ordersync-refresh') === 'paused';

/** The header's pause / resume control: paused, the page makes no request until resumed. */
function toggleRefresh() {
  if (refreshPaused()) sessionStorage.removeItem('ordersync-refresh');
  else sessionStorage.setItem('ordersync-refresh', 'paused');
  showRefreshState();
  if (refreshPaused()) {
    clearTimeout(timer);
    renderSeq++; // a refresh already under way is dropped too
  } else render({ tick: true });
}

function showRefreshState() {
  const paused = refreshPaused();
  $('#refresh-toggle').textContent = paused ? 'Resume refresh' : 'Pause refresh';
  $('#refresh-toggle').setAttribute('aria-pressed', String(paused));
  $('#refresh-state').textContent = paused ? 'refresh paused' : 'live';
  $('#refresh-state').title = paused ? '' : `the page refreshes every ${REFRESH_MS / 1000} s`;
}

/** Whether the operator has text selected in `root` (a refresh would drop the selection). */
function selectingIn(root) {
  const sel = document.getSelection();
  return Boolean(sel && !sel.isCollapsed && sel.rangeCount && root.contains(sel.getRangeAt(0).commonAncestorContainer));
}

/** What names a form field across two renders of a view: its id, or its name and value (a ticked box in a list). */
const fieldKey = (el) => el.id || (el.name || el.className ? `${el.name}|${el.className}|${el.type === 'checkbox' || el.type === 'radio' ? el.value : ''}` : '');
const fieldsOf = (root) => new Map([...root.querySelectorAll('input, select, textarea')].map((el) => [fieldKey(el), el]).filter(([k]) => k));
const detailsKey = (d) => d.querySelector('summary')?.textContent ?? '';

/** Puts `node` in place of `view`'s content, keeping what the operator had: values, ticks, open sections, focus, caret, scroll. */
function keepPlace(view, node) {
  const fresh = fieldsOf(node);
  for (const [key, old] of fieldsOf(view)) {
    const twin = fresh.get(key);
    if (!twin || twin.type !== old.type) continue;
    if (old.type === 'checkbox' || old.type === 'radio') twin.checked = old.checked;
    else twin.value = old.value;
  }
  const open = new Set([...view.querySelectorAll('details[open]')].map(detailsKey));
  for (const d of node.querySelectorAll('details')) d.open = open.has(detailsKey(d));
  const active = document.activeElement && view.contains(document.activeElement) ? document.activeElement : null;
  const caret = active && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  const [x, y] = [window.scrollX, window.scrollY];
  view.replaceChildren(node);
  window.scrollTo(x, y);
  const again = active ? (active.id ? document.getElementById(active.id) : fresh.get(fieldKey(active))) : null;
  if (again) {
    again.focus({ preventScroll: true });
    if (caret) again.setSelectionRange(...caret);
  }
}

// ---------------------------------------------------------------- overview

function chart(series) {
  const w = 864;
  const hgt = 140;
  const max = Math.max(1, ...series.flatMap((b) => SERIES.map(([k]) => b[k])));
  const x = (i) => (i / Math.max(1, series.length - 1)) * (w - 40) + 30;
  const y = (v) => hgt - 10 - (v / max) * (hgt - 30);
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': `Orders pulled, submitted, shipped and written back per 5 minutes over the last 24 hours; peak ${max}` });
  svg.append(s('text', { x: 2, y: 16, 'font-size': 11, fill: '#555d66' }, String(max)), s('text', { x: 2, y: hgt - 6, 'font-size': 11, fill: '#555d66' }, '0'));
  svg.append(s('text', { x: 30, y: hgt - 0, 'font-size': 10, fill: '#555d66' }, '24 h ago'), s('text', { x: w - 40, y: hgt, 'font-size': 10, fill: '#555d66' }, 'now'));
  for (const [k, color] of SERIES) svg.append(s('polyline', { fill: 'none', stroke: color, 'stroke-width': 1.5, points: series.map((b, i) => `${x(i).toFixed(1)},${y(b[k]).toFixed(1)}`).join(' ') }));
  const legend = h('p', { class: 'legend' }, SERIES.map(([k, color]) => h('span', {}, s('svg', { width: 12, height: 4, 'aria-hidden': 'true' }, s('rect', { width: 12, height: 4, fill: color })), ` ${k} (${series.reduce((a, b) => a + b[k], 0)} in 24 h)`)));
  return h('div', {}, svg, legend);
}

async function overview({ params }) {
  const store = params.get('store') ?? '';
  const q = store ? `?store=${encodeURIComponent(store)}` : '';
  const [status, act, fixes, privacy] = await Promise.all([api(`/status${q}`), api(`/activity${q}`), api('/fixes'), api('/privacy/requests')]);
  const fixOf = new Map(fixes.flatMap((x) => x.codes.map((c) => [c, x.fix])));
  const holds = new Map();
  for (const st of status.stores) for (const g of st.holds ?? []) {
    const cur = holds.get(g.code) ?? { code: g.code, count: 0, examples: [] };
    cur.count += g.count;
    cur.examples.push(...g.examples.map((e) => ({ ...e, store: st.store })));
    holds.set(g.code, cur);
  }
  const requests = {};
  for (const st of status.stores) for (const [k, n] of Object.entries(st.requests ?? {})) requests[k] = (requests[k] ?? 0) + n;
  const asked = {};
  for (const st of status.stores) for (const [k, n] of Object.entries(st.ordermeshRequests ?? {})) asked[k] = (asked[k] ?? 0) + n;
  const inbound = status.stores.reduce((a, st) => a + (st.inbound?.awaiting ?? 0), 0);
  const totals = {};
  for (const st of status.stores) for (const [k, n] of Object.entries(st.states)) totals[k] = (totals[k] ?? 0) + n;
  const total = Object.values(totals).reduce((a, n) => a + n, 0);
  const storePicker = h('form', { class: 'filters', onchange: (e) => go('overview', new URLSearchParams({ store: e.target.value })) },
    h('div', {}, h('label', { for: 'ov-store' }, 'Store'), h('select', { id: 'ov-store', name: 'store' }, h('option', { value: '' }, 'all stores'), ...(status.allStores ?? status.stores.map((x) => x.store)).map((id) => h('option', { value: id, selected: id === store }, id)))));
  const stateRows = (states) => STATES.filter((k) => states[k]).map((k) => h('tr', {}, h('td', {}, FAILURE_STATES.includes(k) || k === 'on_hold' ? h('a', { href: `#/failures?state=${k}${store ? `&store=${encodeURIComponent(store)}` : ''}` }, stateBadge(k)) : stateBadge(k)), h('td', { class: 'n', 'data-state': k }, String(states[k]))));
  const upstreams = Object.entries(act.upstreams ?? {});
  // What OrderMesh sent in shapes its docs do not show (every worker's, from the ledger): not per store.
  const drift = status.ordermeshDrift ?? [];
  return h('section', { 'aria-labelledby': 'ov-h' },
    h('h1', { id: 'ov-h' }, store ? `Overview: ${store}` : 'Overview: all stores'),
    storePicker,
    h('div', { class: 'cards' },
      h('div', { class: 'card', id: 'totals' }, h('h2', {}, `Orders: `, h('span', { 'data-total': '' }, String(total))), h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'state'), h('th', { class: 'n' }, 'orders'))), h('tbody', {}, stateRows(totals)))),
      h('div', { class: 'card' }, h('h2', {}, 'Upstreams (last hour, this worker)'),
        upstreams.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'upstream'), h('th', { class: 'n' }, 'calls'), h('th', { class: 'n' }, 'errors'))), h('tbody', {}, upstreams.map(([name, u]) => h('tr', {}, h('td', {}, name), h('td', { class: 'n' }, String(u.calls)), h('td', { class: `n ${u.errors ? 'error' : ''}` }, `${u.errors} (${(u.errorRate * 100).toFixed(1)} %)`))))) : h('p', { class: 'muted' }, 'no calls yet'),
        h('h2', {}, 'Shopify throttle'), h('table', {}, h('tbody', {}, Object.entries(act.throttle ?? {}).map(([id, t]) => h('tr', {}, h('td', {}, id), h('td', { class: 'n' }, t ? `${t.available} / ${t.maximum} points` : 'not read yet')))))),
      h('div', { class: 'card' }, h('h2', {}, 'Queues'), tableOr(Object.entries(status.queues), 'nothing queued', (queues) => h('table', { id: 'queues' }, h('thead', {}, h('tr', {}, h('th', {}, 'queue'), h('th', { class: 'n' }, 'queued'), h('th', { class: 'n' }, 'active'), h('th', { class: 'n' }, 'failed'))), h('tbody', {}, queues.map(([name, d]) => h('tr', { 'data-queue': name }, h('td', {}, name), h('td', { class: 'n' }, String(d.queued)), h('td', { class: 'n' }, String(d.active)), h('td', { class: 'n' }, d.failed ? h('a', { href: `#/jobs?queue=${encodeURIComponent(name)}${store ? `&store=${encodeURIComponent(store)}` : ''}` }, String(d.failed)) : '0')))))))),
    h('h2', {}, 'On hold'),
    holds.size ? h('table', { id: 'holds' }, h('thead', {}, h('tr', {}, h('th', {}, 'held by'), h('th', { class: 'n' }, 'orders'), h('th', {}, 'for example'), h('th', {}, 'what to do'))),
      h('tbody', {}, [...holds.values()].map((g) => h('tr', { 'data-hold': g.code },
        h('td', {}, g.code), h('td', { class: 'n' }, String(g.count)),
        h('td', {}, g.examples.slice(0, 3).map((e) => h('div', {}, `${e.order} (${e.store}): ${e.message ?? ''}`))),
        h('td', {}, fixText(fixOf.get(g.code))))))) : h('p', { class: 'muted', id: 'holds' }, 'nothing on hold'),
    Object.keys(requests).length ? h('h2', {}, 'Fulfilment requests (fulfilment-service stores)') : null,
    Object.keys(requests).length ? h('table', { id: 'requests' }, h('thead', {}, h('tr', {}, h('th', {}, 'request state in Shopify'), h('th', { class: 'n' }, 'requests'))),
      h('tbody', {}, Object.entries(requests).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => h('tr', {}, h('td', {}, k), h('td', { class: 'n', 'data-request': k }, String(n)))))) : null,
    inbound ? h('p', { id: 'inbound' }, `${inbound} inbound order(s) awaiting OrderMesh's OrderCreation verdict`) : null,
    Object.keys(asked).length ? h('h2', {}, 'Refund and reprint requests') : null,
    Object.keys(asked).length ? h('table', { id: 'om-requests' }, h('thead', {}, h('tr', {}, h('th', {}, 'request'), h('th', { class: 'n' }, 'count'))),
      h('tbody', {}, Object.entries(asked).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => h('tr', {}, h('td', {}, k), h('td', { class: 'n' }, String(n)))))) : null,
    drift.length ? h('h2', {}, 'OrderMesh drift') : null,
    drift.length ? h('p', { class: 'muted', id: 'drift-hint' }, status.ordermeshDriftHint ?? '') : null,
    drift.length ? h('table', { id: 'om-drift' }, h('thead', {}, h('tr', {}, h('th', {}, 'operation'), h('th', {}, 'kind'), h('th', {}, 'path'), h('th', {}, 'expected'), h('th', {}, 'seen'), h('th', { class: 'n' }, 'count'), h('th', {}, 'last seen'))),
      h('tbody', {}, drift.map((d) => h('tr', { 'data-drift': `${d.operation} ${d.kind}` },
        h('td', {}, d.operation), h('td', {}, d.kind), h('td', {}, d.path || '$'), h('td', {}, d.expected), h('td', {}, d.seen), h('td', { class: 'n' }, String(d.count)), h('td', {}, ago(d.lastSeen)))))) : null,
    privacy.requests.length ? h('h2', {}, "Shopify's compliance requests") : null,
    privacy.requests.length ? h('table', { id: 'privacy' }, h('thead', {}, h('tr', {}, h('th', {}, 'request'), h('th', {}, 'store'), h('th', {}, 'topic'), h('th', {}, 'status'), h('th', { class: 'n' }, 'orders'), h('th', {}, 'received'), h('th', {}, ''))),
      h('tbody', {}, privacy.requests.map((r) => h('tr', { 'data-request-id': r.id },
        h('td', {}, r.id), h('td', {}, r.store), h('td', {}, r.topic), h('td', {}, r.fetchedAt ? ['export fetched ', time(r.fetchedAt)] : r.status), h('td', { class: 'n' }, String(r.orders)), h('td', {}, time(r.receivedAt)),
        h('td', {}, r.exportReady ? (canAct() ? h('button', { type: 'button', class: 'secondary', onclick: () => downloadExport(r.id) }, 'Download export (once)') : 'export ready (an operator downloads it)') : ''))))) : null,
    h('div', { class: 'card chart-card' }, h('h2', {}, 'Last 24 hours'), chart(act.series)),
    h('h2', {}, 'Stores'),
    h('table', { id: 'stores' },
      h('thead', {}, h('tr', {}, h('th', {}, 'store'), h('th', { class: 'n' }, 'orders'), h('th', { class: 'n' }, 'failing'), h('th', {}, 'oldest waiting'), h('th', {}, 'last pull (or scan)'), h('th', {}, 'last submission'), h('th', {}, 'last shipment poll'))),
      h('tbody', {}, status.stores.map((st) => h('tr', { 'data-store': st.store },
        h('td', {}, h('a', { href: `#/overview?store=${encodeURIComponent(st.store)}` }, st.store), st.enabled ? '' : ' (disabled)'),
        h('td', { class: 'n' }, String(st.total)),
        h('td', { class: 'n' }, h('a', { href: `#/failures?store=${encodeURIComponent(st.store)}` }, String(FAILURE_STATES.reduce((a, k) => a + (st.states[k] ?? 0), 0)))),
        h('td', {}, st.oldestPending ? [`${st.oldestPending.order}, since `, ago(st.oldestPending.since), st.oldestPending.holdUntil ? [' (held until ', time(st.oldestPending.holdUntil), ')'] : ''] : '—'),
        h('td', { 'data-last-read': '' }, st.store in (act.scans ?? {}) ? ['scan ', ago(act.scans[st.store])] : ago(st.lastPullAt)),
        h('td', {}, ago(st.lastSubmitAt)),
        h('td', {}, ago(st.lastPollAt)))))));
}

/** A data request's export as a file: handed over once, then the ledger no longer keeps it. */
async function downloadExport(id) {
  pause();
  const data = await api(`/privacy/requests/${encodeURIComponent(id)}/fetch`, { method: 'POST', body: {} });
  const a = h('a', { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' })), download: `data-request-${id}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  render();
}

// ---------------------------------------------------------------- failures

/** The filter the URL names (plus an e-mail searched for, kept out of it); no state given: `defaultStates` (none: every state). */
function filterFrom(params, defaultStates) {
  const f = {};
  for (const k of ['store', 'reason', 'since', 'until']) if (params.get(k)) f[k] = params.get(k);
  const states = params.getAll('state').flatMap((v) => v.split(',')).filter(Boolean);
  if (states.length || defaultStates) f.state = states.length ? states : defaultStates;
  const q = params.get('q') || searchQ;
  if (q) f.q = q;
  for (const k of ['since', 'until']) if (f[k] && /^\d{4}-\d{2}-\d{2}$/.test(f[k])) f[k] = `${f[k]}T00:00:00Z`;
  return f;
}

/** The reason codes the ledger's failing orders carry now (from the status report), and the one asked for. */
const reasonsIn = (status, f) => [...new Set([...status.stores.flatMap((st) => st.failures.map((g) => g.code)), ...(f.reason ? [f.reason] : [])])].sort();

/** The filters of an order list (Failures, Orders): store, states, reason, first-seen dates, a search. Applying it puts them in the URL. */
function filterForm(view, f, params, status) {
  const stores = status.allStores ?? status.stores.map((x) => x.store);
  return h('form', { class: 'filters', id: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const d = new FormData(e.target);
    const q = String(d.get('q') ?? '').trim();
    // The API refuses it too (403); said here, the form and its input stay as they were.
    if (q.includes('@') && !me?.personalData) {
      e.target.querySelector('.error').textContent = `token "${me?.name}" (${me?.role}) does not see personal data, so it may not search by e-mail`;
      return;
    }
    // An e-mail stays out of the URL (and so out of history and shared links): kept in the page only.
    searchQ = q.includes('@') ? q : '';
    const before = location.hash;
    go(view, new URLSearchParams([['store', d.get('store')], ['state', d.getAll('state').join(',')], ['reason', d.get('reason')], ['since', d.get('since')], ['until', d.get('until')], ['q', q.includes('@') ? '' : q]]));
    if (location.hash === before) render();
  } },
    h('div', {}, h('label', { for: 'f-store' }, 'Store'), h('select', { id: 'f-store', name: 'store' }, h('option', { value: '' }, 'all'), ...stores.map((id) => h('option', { value: id, selected: id === f.store }, id)))),
    h('fieldset', {}, h('legend', {}, 'States'), ...STATES.map((st) => h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'state', value: st, checked: Boolean(f.state?.includes(st)) }), ` ${st}`))),
    h('div', {}, h('label', { for: 'f-reason' }, 'Reason'), h('select', { id: 'f-reason', name: 'reason' }, h('option', { value: '' }, 'any'), ...reasonsIn(status, f).map((code) => h('option', { value: code, selected: code === f.reason }, code)))),
    h('div', {}, h('label', { for: 'f-since' }, 'First seen from'), h('input', { id: 'f-since', name: 'since', type: 'date', value: (params.get('since') ?? '').slice(0, 10) })),
    h('div', {}, h('label', { for: 'f-until' }, 'until'), h('input', { id: 'f-until', name: 'until', type: 'date', value: (params.get('until') ?? '').slice(0, 10) })),
    h('div', {}, h('label', { for: 'f-q' }, me?.personalData ? 'Order, Shopify id, safeId, OrderMesh id or e-mail' : 'Order, Shopify id, safeId or OrderMesh id'), h('input', { id: 'f-q', name: 'q', type: 'search', value: f.q ?? '', size: 28 })),
    h('button', { type: 'submit' }, 'Apply'),
    h('p', { class: 'error', role: 'alert' }));
}

const PAGE_SIZE = 50;
const totalText = (list) => (list.totalExact ? String(list.total) : `more than ${list.total - 1}`);

/** "Page 3 of 14 (683 orders)" and links to the first, nearby and last pages (the last only when the total is exact). */
function pager(view, params, page, list) {
  const pages = list.totalExact ? Math.max(1, Math.ceil(list.total / PAGE_SIZE)) : undefined;
  const href = (n) => {
    const p = new URLSearchParams(params);
    p.set('page', String(n));
    return `#/${view}?${p}`;
  };
  const link = (n, text = String(n)) => (n === page ? h('span', { 'aria-current': 'page', class: 'page-now' }, text) : h('a', { href: href(n) }, text));
  const near = [];
  for (let n = Math.max(1, page - 2); n <= (pages ? Math.min(pages, page + 2) : page + (list.hasMore ? 1 : 0)); n++) near.push(n);
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('span', { id: 'page-of' }, `Page ${page}${pages ? ` of ${pages}` : ''} (${totalText(list)} order(s))`), ' ',
    page > 1 ? h('a', { href: href(page - 1) }, '← newer') : null, ' ',
    near[0] > 1 ? [link(1), near[0] > 2 ? ' … ' : ' '] : null,
    near.map((n) => [link(n), ' ']),
    pages && near[near.length - 1] < pages ? [near[near.length - 1] < pages - 1 ? '… ' : '', link(pages), ' '] : null,
    list.hasMore ? h('a', { href: href(page + 1) }, 'older →') : null);
}

/** The CSV of every order the filter selects (the API refuses more than 10,000: the page says why). */
function exportButton(f, slot) {
  return h('button', { type: 'button', class: 'secondary', id: 'export-csv', onclick: async () => {
    try {
      await download('/orders/export', f, `orders-${new Date().toISOString().slice(0, 10)}.csv`);
    } catch (err) {
      slot.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    }
  } }, 'Export CSV');
}

async function failures({ params }) {
  const f = filterFrom(params, FAILURE_STATES);
  const page = Number(params.get('page') ?? 1) || 1;
  const [status, list, fixes] = await Promise.all([api(`/status${f.store ? `?store=${encodeURIComponent(f.store)}` : ''}`), api('/orders/search', { method: 'POST', body: { ...f, page, pageSize: PAGE_SIZE } }), api('/fixes')]);
  const fixOf = new Map(fixes.flatMap((x) => x.codes.map((c) => [c, x.fix])));
  const groups = new Map();
  for (const st of status.stores) for (const g of st.failures) {
    const cur = groups.get(g.code) ?? { code: g.code, count: 0, stores: [] };
    cur.count += g.count;
    cur.stores.push(st.store);
    groups.set(g.code, cur);
  }
  const rows = list.items.map((o) => h('tr', { 'data-order': o.id },
    canAct() ? h('td', {}, h('input', { type: 'checkbox', class: 'pick', value: o.id, 'aria-label': `select ${o.name ?? o.storeOrderId}` })) : null,
    h('td', {}, orderLink(o)), h('td', {}, o.store), h('td', {}, stateBadge(o.state)), h('td', {}, o.reason ?? ''), h('td', {}, o.message ?? ''), h('td', {}, time(o.since))));
  const preview = h('div', { id: 'preview-slot' });
  return h('section', { 'aria-labelledby': 'fl-h' },
    h('h1', { id: 'fl-h' }, 'Failures'),
    h('h2', {}, 'By reason'),
    tableOr([...groups.values()].sort((a, b) => b.count - a.count), 'nothing here: no order is failing', (gs) => h('table', { id: 'reasons' }, h('thead', {}, h('tr', {}, h('th', {}, 'reason'), h('th', { class: 'n' }, 'orders'), h('th', {}, 'stores'), h('th', {}, 'fix'), canAct() ? h('th', {}, '') : null)),
      h('tbody', {}, gs.map((g) => h('tr', { 'data-reason': g.code },
        h('td', {}, h('a', { href: `#/failures?reason=${g.code}${f.store ? `&store=${encodeURIComponent(f.store)}` : ''}` }, g.code)),
        h('td', { class: 'n' }, String(g.count)), h('td', {}, g.stores.join(', ')), h('td', { class: 'fix' }, fixText(fixOf.get(g.code))),
        canAct() ? h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: () => previewReprocess(preview, { filter: { ...f, reason: g.code } }, `every ${g.code} order${f.store ? ` of ${f.store}` : ''}`) }, `Reprocess all ${g.code}…`), g.code === 'MISSING_SKU' ? skuForm(preview, f.store ?? (g.stores.length === 1 ? g.stores[0] : '')) : null) : null))))),
    h('h2', {}, `Orders (${totalText(list)} matching)`),
    filterForm('failures', f, params, status),
    canAct() ? h('p', {}, h('button', { type: 'button', id: 'reprocess-filter', onclick: () => previewReprocess(preview, { filter: f }, `the ${list.total} order(s) matching this filter`) }, `Reprocess all ${list.totalExact ? list.total : `${list.total - 1}+`} matching…`), ' ', h('button', { type: 'button', class: 'secondary', id: 'reprocess-selected', onclick: () => {
      const ids = [...document.querySelectorAll('input.pick:checked')].map((i) => i.value);
      if (ids.length) previewReprocess(preview, { orderIds: ids }, `${ids.length} selected order(s)`);
    } }, 'Reprocess selected…')) : null,
    preview,
    tableOr(rows, 'nothing here: no order matches this filter', (rs) => h('table', { id: 'orders' }, h('thead', {}, h('tr', {}, canAct() ? h('th', {}, '') : null, h('th', {}, 'order'), h('th', {}, 'store'), h('th', {}, 'state'), h('th', {}, 'reason'), h('th', {}, 'message'), h('th', {}, 'since'))), h('tbody', {}, rs))),
    pager('failures', params, page, list));
}

// ---------------------------------------------------------------- every order

/** Every order in any state (a fulfilled one too), searchable, with what an operator looks for: where it is, OrderMesh's id, tracking, total. */
async function ordersList({ params }) {
  const f = filterFrom(params);
  const page = Number(params.get('page') ?? 1) || 1;
  const [status, list] = await Promise.all([api(`/status${f.store ? `?store=${encodeURIComponent(f.store)}` : ''}`), api('/orders/search', { method: 'POST', body: { ...f, page, pageSize: PAGE_SIZE } })]);
  const note = h('div', { id: 'export-slot' });
  const rows = list.items.map((o) => h('tr', { 'data-order': o.id },
    h('td', {}, orderLink(o)), h('td', {}, o.store), h('td', {}, stateBadge(o.state), o.reason ? h('div', { class: 'muted' }, o.reason) : null),
    h('td', {}, o.ordermeshOrderId ?? '—'), h('td', {}, o.tracking.length ? o.tracking.join(', ') : '—'), h('td', { class: 'n' }, money(o.total)), h('td', {}, time(o.updated))));
  return h('section', { 'aria-labelledby': 'ol-h' },
    h('h1', { id: 'ol-h' }, 'Orders'),
    filterForm('orders', f, params, status),
    h('p', {}, h('span', { id: 'orders-total' }, `${totalText(list)} order(s) match`), ' ', exportButton(f, note)),
    note,
    tableOr(rows, 'nothing here: no order matches this filter', (rs) => h('table', { id: 'all-orders' }, h('thead', {}, h('tr', {}, h('th', {}, 'order'), h('th', {}, 'store'), h('th', {}, 'state'), h('th', {}, 'OrderMesh order'), h('th', {}, 'tracking'), h('th', { class: 'n' }, 'total'), h('th', {}, 'updated'))), h('tbody', {}, rs))),
    pager('orders', params, page, list));
}

/** Stops the live refresh while an operator decides: a render already under way is discarded too. */
function pause() {
  clearTimeout(timer);
  renderSeq++;
}

/** The preview's orders by what a run would do (would submit, would fail again, …), with the reasons of those that fail: the CLI's dry-run summary. */
const splitTable = (split) => h('table', { id: 'preview-split' }, h('thead', {}, h('tr', {}, h('th', {}, 'a run would'), h('th', { class: 'n' }, 'orders'), h('th', {}, 'why'))),
  h('tbody', {}, split.map((g) => h('tr', { 'data-action': g.action }, h('td', {}, g.action), h('td', { class: 'n' }, String(g.orders)), h('td', {}, Object.entries(g.reasons).map(([code, n]) => `${code} × ${n}`).join(', '))))));

/** Orders that would be sent with SKUs the merchant's OrderMesh catalogue lacks: OrderMesh would refuse them. */
function refusedList(lines) {
  const refused = lines.filter((l) => l.notInCatalogue?.length);
  return refused.length ? h('div', { id: 'preview-refused', class: 'warn' }, h('p', {}, `${refused.length} order(s) would be refused by OrderMesh: not in the catalogue`),
    h('ul', {}, refused.slice(0, 20).map((l) => h('li', {}, `${l.order}: ${l.notInCatalogue.join(', ')}`)))) : null;
}

/** Shows how many orders a reprocess would touch (and for one order what it would send) before it runs. */
async function previewReprocess(slot, selection, what) {
  pause();
  const box = h('div', { class: 'preview', role: 'dialog', 'aria-label': 'Reprocess preview' }, h('p', {}, 'Previewing…'));
  slot.replaceChildren(box);
  try {
    const dry = await api('/reprocess', { method: 'POST', body: { ...selection, dryRun: true } });
    const one = dry.lines.length === 1 ? dry.lines[0] : undefined;
    box.replaceChildren(...[
      h('h2', {}, `Reprocess ${what}`),
      h('p', { id: 'preview-count' }, `This will touch ${dry.orders} order(s)${dry.matching > dry.orders ? ` (the first ${dry.orders} of ${dry.matching})` : ''}.`),
      dry.split?.length ? splitTable(dry.split) : null,
      refusedList(dry.lines),
      one?.result ? h('div', {}, h('p', {}, `${one.order}: ${one.action}`), one.result.kind === 'failed' ? h('ul', { id: 'preview-errors' }, one.result.errors.map((e) => h('li', {}, `${e.code} ${e.path ?? ''}: ${e.message}`))) : h('pre', { id: 'preview-payload' }, JSON.stringify(one.result.model ?? one.result, null, 2))) : null,
      dry.unread ? h('p', { class: 'error' }, `${dry.unread.count} order(s) could not be re-read: ${dry.unread.reason}`) : null,
      h('button', { type: 'button', id: 'reprocess-run', onclick: async (e) => {
        e.target.disabled = true;
        const done = await api('/reprocess', { method: 'POST', body: { ...selection, dryRun: false } });
        box.replaceChildren(h('p', { role: 'status', id: 'reprocess-done' }, `${done.orders} order(s) reprocessed: ${[...new Set(done.lines.map((l) => l.action))].join('; ')}. This page follows their new states.`));
        setTimeout(() => { slot.replaceChildren(); render(); }, 1500);
      } }, 'Run reprocess'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => { slot.replaceChildren(); render(); } }, 'Cancel')].filter(Boolean));
    box.querySelector('#reprocess-run').focus();
  } catch (err) {
    box.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message), h('button', { type: 'button', class: 'secondary', onclick: () => { slot.replaceChildren(); render(); } }, 'Close'));
  }
}

function skuForm(slot, store) {
  return h('button', { type: 'button', class: 'secondary', onclick: () => {
    pause();
    const form = h('form', { class: 'sku preview', onsubmit: async (e) => {
      e.preventDefault();
      const d = new FormData(e.target);
      try {
        await api('/skus', { method: 'POST', body: { store: d.get('store'), storeSku: d.get('storeSku'), ordermeshSku: d.get('ordermeshSku') } });
        slot.replaceChildren();
        previewReprocess(slot, { filter: { store: String(d.get('store')), state: ['failed_mapping'], reason: 'MISSING_SKU' } }, `the MISSING_SKU orders of ${d.get('store')}, now that ${d.get('storeSku')} is mapped`);
      } catch (err) {
        form.querySelector('.error').textContent = err.message;
      }
    } },
      h('h2', {}, 'Set a SKU mapping'),
      h('div', { class: 'field' }, h('label', { for: 'sku-store' }, 'Store'), h('input', { id: 'sku-store', name: 'store', value: store, required: true })),
      h('div', { class: 'field' }, h('label', { for: 'sku-from' }, 'Store SKU'), h('input', { id: 'sku-from', name: 'storeSku', required: true })),
      h('div', { class: 'field' }, h('label', { for: 'sku-to' }, 'OrderMesh SKU'), h('input', { id: 'sku-to', name: 'ordermeshSku', required: true })),
      h('p', { class: 'error', role: 'alert' }),
      h('button', { type: 'submit' }, 'Save and preview reprocess'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => { slot.replaceChildren(); render(); } }, 'Cancel'));
    slot.replaceChildren(form);
    form.querySelector('#sku-from').focus();
  } }, 'Set a SKU mapping…');
}

// ---------------------------------------------------------------- one order

/** A name two stores both use: the orders it names, to choose from (as `ordersync order show` asks for --store). */
function whichOrder(key, candidates) {
  return h('section', { 'aria-labelledby': 'which-h' },
    h('h1', { id: 'which-h' }, `"${key}" names ${candidates.length} orders`),
    h('p', {}, 'Which one?'),
    h('table', { id: 'candidates' }, h('thead', {}, h('tr', {}, h('th', {}, 'store'), h('th', {}, 'order'), h('th', {}, 'Shopify id'))),
      h('tbody', {}, candidates.map((c) => h('tr', { 'data-store': c.store }, h('td', {}, c.store), h('td', {}, h('a', { href: `#/orders/${encodeURIComponent(c.id)}` }, c.name ?? c.storeOrderId)), h('td', {}, c.storeOrderId))))));
}

async function orderPage({ arg, params }) {
  const store = params.get('store');
  let o;
  try {
    o = await api(`/orders/${encodeURIComponent(arg)}${store ? `?store=${encodeURIComponent(store)}` : ''}`);
  } catch (err) {
    if (err.status === 409 && err.body?.candidates) return whichOrder(arg, err.body.candidates);
    throw err;
  }
  const slot = h('div', { id: 'preview-slot' });
  const ord = o.order;
  return h('section', { 'aria-labelledby': 'o-h' },
    h('h1', { id: 'o-h' }, `${ord.name ?? ord.storeOrderId} `, h('span', { id: 'order-state' }, stateBadge(ord.state))),
    h('table', {}, h('tbody', {},
      h('tr', {}, h('th', {}, 'store'), h('td', {}, ord.store)),
      h('tr', {}, h('th', {}, 'Shopify order'), h('td', {}, ord.storeOrderId, ' ', safeUrl(o.links.shopify) ? h('a', { href: safeUrl(o.links.shopify), target: '_blank', rel: 'noopener noreferrer' }, 'open in Shopify admin') : null)),
      h('tr', {}, h('th', {}, 'safeId'), h('td', {}, ord.safeId)),
      h('tr', {}, h('th', {}, 'OrderMesh order'), h('td', {}, ord.ordermeshOrderId ?? 'none', ' ', safeUrl(o.links.ordermesh) ? h('a', { href: safeUrl(o.links.ordermesh), target: '_blank', rel: 'noopener noreferrer' }, 'open in OrderMesh') : null)),
      h('tr', {}, h('th', {}, 'state since'), h('td', {}, time(ord.stateSince), ord.attempts ? ` (${ord.attempts} submission attempt(s))` : '')),
      ord.lastError ? h('tr', {}, h('th', {}, 'last error'), h('td', { class: 'error', id: 'order-error' }, `${ord.lastError.code}: ${ord.lastError.message ?? ''}`, o.fix ? h('div', { class: 'muted fix' }, 'Fix: ', fixText(o.fix)) : null)) : null,
      ord.holdUntil ? h('tr', {}, h('th', {}, 'held until'), h('td', {}, time(ord.holdUntil))) : null)),
    canAct() ? h('p', {}, h('button', { type: 'button', id: 'order-reprocess', onclick: () => previewReprocess(slot, { orderIds: [ord.id] }, ord.name ?? ord.storeOrderId) }, 'Reprocess…')) : null,
    slot,
    h('h2', {}, 'Timeline'),
    h('table', { id: 'timeline' }, h('thead', {}, h('tr', {}, h('th', {}, 'at'), h('th', {}, 'what'), h('th', {}, 'reason / message'), h('th', {}, 'who'))),
      h('tbody', {}, o.timeline.map((e) => h('tr', {}, h('td', {}, time(e.at)), h('td', {}, e.kind === 'state' ? [e.from ? stateBadge(e.from) : '?', ' → ', stateBadge(e.to)] : e.kind === 'ingested' ? ['ingested → ', stateBadge(e.to)] : e.kind), h('td', {}, [e.reason, e.message].filter(Boolean).join(': '), e.data?.fieldErrors ? h('pre', {}, JSON.stringify(e.data.fieldErrors, null, 2)) : null), h('td', {}, e.actor))))),
    h('h2', {}, 'Packages and tracking'),
    o.packages.length ? h('table', { id: 'packages' }, h('thead', {}, h('tr', {}, h('th', {}, 'package'), h('th', {}, 'carrier'), h('th', {}, 'tracking'), h('th', {}, 'shipped'), h('th', {}, 'in the store'))),
      h('tbody', {}, o.packages.map((p) => h('tr', {}, h('td', {}, p.id), h('td', {}, [p.carrier, p.method].filter(Boolean).join(' / ')), h('td', {}, safeUrl(p.trackingUrl) ? h('a', { href: safeUrl(p.trackingUrl), target: '_blank', rel: 'noopener noreferrer' }, p.trackingNumber ?? 'link') : p.trackingNumber ?? '—'), h('td', {}, time(p.shippedAt)), h('td', {}, p.writtenBack ? ['written ', time(p.writtenBack.at)] : p.writeBackProblem ? h('span', { class: 'error' }, `${p.writeBackProblem.code}: ${p.writeBackProblem.message ?? ''}`) : 'not yet'))))) : h('p', { class: 'muted' }, 'none yet'),
    h('h2', {}, 'OrderMesh notes'),
    o.ordermesh.unreadable ? h('p', { class: 'error' }, `OrderMesh could not be read: ${o.ordermesh.unreadable}`) : null,
    o.ordermesh.notes?.length ? h('table', { id: 'notes' }, h('thead', {}, h('tr', {}, h('th', {}, 'updated'), h('th', {}, 'by'), h('th', {}, 'note'))),
      h('tbody', {}, o.ordermesh.notes.map((n) => h('tr', {}, h('td', {}, time(n.updatedAt)), h('td', {}, n.externalId ? `${n.author ?? '?'} (from the store)` : n.author ?? '?'), h('td', {}, h('pre', {}, n.text)))))) : o.ordermesh.unreadable ? null : h('p', { class: 'muted' }, 'none'),
    h('h2', {}, 'Refund and reprint requests'),
    o.ordermesh.requests.length ? h('table', { id: 'requests' }, h('thead', {}, h('tr', {}, h('th', {}, 'at'), h('th', {}, 'request'), h('th', {}, 'state'), h('th', {}, 'OrderMesh'), h('th', {}, 'reason'))),
      h('tbody', {}, o.ordermesh.requests.map((r) => h('tr', {}, h('td', {}, time(r.createdAt)), h('td', {}, `${r.kind} of ${r.items ? r.items.map((i) => `item ${i.orderItemId} × ${i.quantity}`).join(', ') : 'the whole order'}`), h('td', { class: r.state === 'failed' ? 'error' : '' }, r.state, r.error ? `: ${r.error}` : ''), h('td', {}, [r.ordermeshRef, r.ordermeshStatus].filter(Boolean).join(' · ') || '—'), h('td', {}, r.reason))))) : h('p', { class: 'muted' }, 'none'),
    h('h2', {}, 'Payloads'),
    o.personalData === 'hidden' ? h('p', { class: 'muted', id: 'personal-hidden' }, `The customer's name, address, e-mail and phone are left out for this token (${me?.role}).`) : null,
    h('details', {}, h('summary', {}, 'Sent to OrderMesh'), h('pre', {}, o.payloads.sent ? JSON.stringify(o.payloads.sent, null, 2) : 'nothing sent')),
    h('details', {}, h('summary', {}, 'Store order as last read'), h('pre', {}, JSON.stringify(o.payloads.store, null, 2))));
}

// ---------------------------------------------------------------- failed jobs

/** The dead set: jobs out of retries (a pull, a tracking write-back, …) and why; an operator retries or dismisses each. */
async function jobs({ params }) {
  const queue = params.get('queue') ?? '';
  const store = params.get('store') ?? '';
  const q = new URLSearchParams([['queue', queue], ['store', store]].filter(([, v]) => v));
  const [failed, status] = await Promise.all([api(`/jobs/failed${q.size ? `?${q}` : ''}`), api('/status')]);
  const slot = h('div', { id: 'jobs-slot' });
  const act = (j, verb) => h('button', { type: 'button', class: verb === 'retry' ? '' : 'secondary', 'data-act': verb, onclick: async (e) => {
    e.target.disabled = true;
    try {
      await api(`/jobs/${encodeURIComponent(j.queue)}/${encodeURIComponent(j.id)}/${verb}`, { method: 'POST', body: {} });
      render();
    } catch (err) {
      slot.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    }
  } }, verb === 'retry' ? 'Retry' : 'Dismiss');
  const filters = h('form', { class: 'filters', onchange: (e) => go('jobs', new URLSearchParams(new FormData(e.currentTarget))) },
    h('div', {}, h('label', { for: 'j-queue' }, 'Queue'), h('select', { id: 'j-queue', name: 'queue' }, h('option', { value: '' }, 'all'), ...Object.keys(status.queues).sort().map((n) => h('option', { value: n, selected: n === queue }, n)))),
    h('div', {}, h('label', { for: 'j-store' }, 'Store'), h('select', { id: 'j-store', name: 'store' }, h('option', { value: '' }, 'all'), ...(status.allStores ?? status.stores.map((x) => x.store)).map((id) => h('option', { value: id, selected: id === store }, id)))));
  return h('section', { 'aria-labelledby': 'j-h' },
    h('h1', { id: 'j-h' }, 'Failed jobs'),
    h('p', { class: 'muted' }, 'Jobs out of retries. Their orders already say so (needs_attention, or a write-back problem); a retry runs the job again as it was, a dismissal removes it.'),
    filters, slot,
    h('p', { id: 'jobs-total' }, `${failed.total} failed job(s)${failed.total > failed.jobs.length ? `, the newest ${failed.jobs.length} shown` : ''}`),
    tableOr(failed.jobs, 'nothing here: no failed job', (js) => h('table', { id: 'failed-jobs' }, h('thead', {}, h('tr', {}, h('th', {}, 'queue'), h('th', {}, 'store'), h('th', {}, 'about'), h('th', {}, 'error'), h('th', { class: 'n' }, 'retries'), h('th', {}, 'failed'), canAct() ? h('th', {}, '') : null)),
      h('tbody', {}, js.map((j) => h('tr', { 'data-job': j.id }, h('td', {}, j.queue), h('td', {}, j.store ?? '—'), h('td', {}, j.orderId ? h('a', { href: `#/orders/${encodeURIComponent(j.orderId)}` }, j.about) : j.about ?? '—'), h('td', { class: 'error' }, j.error ?? ''), h('td', { class: 'n' }, String(j.retries)), h('td', {}, time(j.failedAt)), canAct() ? h('td', {}, act(j, 'retry'), ' ', act(j, 'dismiss')) : null))))));
}

// ---------------------------------------------------------------- workers

async function workers() {
  const status = await api('/workers');
  return h('section', { 'aria-labelledby': 'w-h' },
    h('h1', { id: 'w-h' }, 'Workers'),
    status.workers.length ? h('table', { id: 'workers' }, h('thead', {}, h('tr', {}, h('th', {}, 'worker'), h('th', {}, 'host'), h('th', { class: 'n' }, 'pid'), h('th', {}, 'configuration hash'), h('th', {}, 'started'), h('th', {}, 'last heartbeat'))),
      h('tbody', {}, status.workers.map((w) => h('tr', {}, h('td', {}, w.actor), h('td', {}, w.host), h('td', { class: 'n' }, String(w.pid)), h('td', {}, w.configHash), h('td', {}, time(w.startedAt)), h('td', {}, ago(w.seenAt)))))) : h('p', {}, 'No worker has reported in the last 90 seconds.'));
}

$('#signin').addEventListener('submit', signin);
$('#refresh-toggle').addEventListener('click', toggleRefresh);
showRefreshState();
window.addEventListener('hashchange', () => token() && render());
if (token()) start().catch(() => {});
else showSignin();
