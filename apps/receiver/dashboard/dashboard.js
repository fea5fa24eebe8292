/* global document, window, location, history, Chart */
// The receiver's dashboard: a plain ES module, no framework, no build step. Everything it shows
// comes from /api/* (AdminAccessGuard). Payloads and headers are attacker-influenced, so every
// value reaches the page through textContent or an attribute, never as markup.

/** The admin token lives in this tab's session storage only: never in the URL, never logged. */
const TOKEN_KEY = 'receiver.adminToken';
const PAGE_SIZE = 25;
/** Every call to the receiver gives up after this. */
const REQUEST_TIMEOUT_MS = 15_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The chart's window when the filters set none. */
const DEFAULT_CHART_WINDOW_MS = DAY_MS;
/** Past this window the chart counts by the day rather than the hour (the API allows 93 days by the hour). */
const HOURLY_UP_TO_MS = 4 * DAY_MS;
/** What the hash keeps and the list is asked for; `limit` is the page size, when not PAGE_SIZE. */
const FILTERS = ['sender', 'state', 'status', 'from', 'to', 'limit'];

/** The same colours as the badges (dashboard.css); the states the API lists come from /api/meta. */
const STATE_COLORS = {
  processed: '#2e7d32',
  queued: '#1565c0',
  retrying: '#b7791f',
  dead: '#6a1b9a',
  duplicate: '#607d8b',
  rejected: '#d84315',
  failed: '#c62828',
};

const $ = (id) => document.getElementById(id);

/** 401: no token, or not the right one. */
class AuthError extends Error {
  constructor(sentToken) {
    super('The receiver asks for its admin token');
    this.sentToken = sentToken;
  }
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const view = {
  meta: undefined,
  /** The filters in force, as the API takes them (times as ISO 8601). */
  filters: {},
  /** The `before` cursor of each page before the one shown, to go back to them. */
  cursors: [],
  /** The shown page's `before` (undefined on the first page) and the next page's, from X-Next-Cursor. */
  before: undefined,
  next: undefined,
  /** The id whose detail is open. */
  selected: undefined,
  stats: undefined,
  chart: undefined,
};

/** Each loader's latest request: an answer to an older one is dropped (the user moved on). */
const tickets = { list: 0, detail: 0, chart: 0 };

// ---------------------------------------------------------------- talking to the API

function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/**
 * Tries without a token first: with ADMIN_TOKEN unset the API serves loopback clients without one.
 * Throws AuthError on 401, ApiError on any other refusal, with the receiver's own message.
 */
async function api(path, { method = 'GET' } = {}) {
  const token = storedToken();
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ApiError(
      0,
      error.name === 'TimeoutError'
        ? `The receiver did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`
        : 'The receiver cannot be reached',
    );
  }
  if (response.status === 401) throw new AuthError(token !== null);
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, messageOf(body) ?? `HTTP ${response.status}`);
  return { body, response };
}

/** Nest's error replies: `{ statusCode, message, error }`, the message a string or a list. */
function messageOf(body) {
  const message = body?.message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}

// ---------------------------------------------------------------- small DOM helpers

/** An element with text or children; attributes are set one by one (no markup is parsed). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, String(value));
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

function badge(state) {
  const known = Object.hasOwn(STATE_COLORS, state);
  return el('span', { class: known ? `badge state-${state}` : 'badge', text: state });
}

const pad = (n) => String(n).padStart(2, '0');

/** Local time, the way people read it; the exact UTC time goes in the title. */
function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

function formatDuration(ms) {
  if (typeof ms !== 'number') return '';
  // Whole milliseconds are what the log mostly holds: "1.0 ms" would claim a precision it lacks.
  if (Number.isInteger(ms) && ms < 1000) return `${ms} ms`;
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

const shortId = (id) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

/** What a datetime-local input shows for an ISO time, in local time. */
function toLocalInput(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (local time, no zone) as ISO 8601 UTC. */
function fromLocalInput(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function setStatus(text) {
  $('status').textContent = text;
}

function showBanner(text) {
  $('banner').textContent = text;
  $('banner').hidden = !text;
}

// ---------------------------------------------------------------- the URL hash (filters + open delivery)

/** `#sender=…&state=…&status=…&from=…&to=…&delivery=…`: a filtered view one can share. Never the token. */
function hashFor(filters, delivery) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
  if (delivery) params.set('delivery', delivery);
  const text = params.toString();
  return text ? `#${text}` : '';
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const filters = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return { filters, delivery: params.get('delivery') || undefined };
}

/** A new history entry (Back returns to the previous view), then the view follows it. */
function navigate(filters, delivery) {
  const hash = hashFor(filters, delivery);
  // The same view asked for again (Apply pressed twice): loaded afresh.
  if (hash === location.hash) return applyHash({ force: true });
  history.pushState(null, '', `${location.pathname}${location.search}${hash}`);
  return applyHash();
}

const filtersKey = (filters) => JSON.stringify(FILTERS.map((name) => filters[name] ?? ''));

/** Loads what changed between the view and the URL's hash. */
async function applyHash({ force = false } = {}) {
  const { filters, delivery } = readHash();
  const filtersChanged = force || filtersKey(filters) !== filtersKey(view.filters);
  const deliveryChanged = force || delivery !== view.selected;
  view.filters = filters;
  view.selected = delivery;
  writeFilterForm();
  const loads = [];
  if (filtersChanged) {
    view.cursors = [];
    view.before = undefined;
    loads.push(loadList(), loadChart());
  } else if (deliveryChanged) {
    markSelected();
  }
  if (deliveryChanged) loads.push(delivery ? loadDetail(delivery) : Promise.resolve(closeDetail()));
  await Promise.all(loads);
}

// ---------------------------------------------------------------- signing in and out

function showSignIn(message, tone = 'error') {
  clearData();
  $('app').hidden = true;
  $('refresh').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message ?? '';
  $('sign-in-error').className = tone;
  $('sign-in-error').hidden = !message;
  setStatus('');
  $('token').value = '';
  $('token').focus();
}

function showApp() {
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('refresh').hidden = false;
  // Nothing to forget when the receiver serves this (loopback) client without a token.
  $('sign-out').hidden = storedToken() === null;
}

/** No delivery stays on screen once the page is signed out or refused. */
function clearData() {
  // Answers still on their way are dropped too.
  tickets.list++;
  tickets.chart++;
  $('deliveries').tBodies[0].replaceChildren();
  $('list-empty').hidden = true;
  closeDetail();
  view.chart?.destroy();
  view.chart = undefined;
  view.stats = undefined;
  showBanner('');
}

/** One place for a failed load: 401 asks for the token (again), anything else is said in the banner. */
function handleError(error) {
  if (error instanceof AuthError) {
    if (error.sentToken) sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(error.sentToken ? 'Wrong token: the receiver refused it. Try again.' : undefined);
    return;
  }
  showBanner(error.message || String(error));
  setStatus('');
}

async function start() {
  setStatus('Loading…');
  try {
    const { body } = await api('/api/meta');
    view.meta = body;
    fillSelects(body);
    showApp();
    showBanner('');
    await applyHash({ force: true });
    setStatus(`Updated ${formatTime(new Date().toISOString()).slice(11)}`);
  } catch (error) {
    handleError(error);
  }
}

// ---------------------------------------------------------------- filters

function option(value, label) {
  return el('option', { value, text: label });
}

function fillSelects(meta) {
  const senders = meta.senders ?? [];
  const senderOptions = () => [
    option('', 'All senders'),
    ...senders.map(({ id, enabled }) => option(id, enabled ? id : `${id} (off)`)),
  ];
  $('filters').elements.sender.replaceChildren(...senderOptions());
  $('chart-sender').replaceChildren(...senderOptions());
  $('filters').elements.state.replaceChildren(
    option('', 'All states'),
    ...(meta.states ?? []).map((state) => option(state, state)),
  );
}

function writeFilterForm() {
  const form = $('filters').elements;
  const { filters } = view;
  ensureOption(form.sender, filters.sender);
  ensureOption(form.state, filters.state);
  form.sender.value = filters.sender ?? '';
  form.state.value = filters.state ?? '';
  form.status.value = filters.status ?? '';
  form.from.value = filters.from ? toLocalInput(filters.from) : '';
  form.to.value = filters.to ? toLocalInput(filters.to) : '';
  ensureOption(form.limit, filters.limit);
  form.limit.value = filters.limit ?? String(PAGE_SIZE);
  // The chart follows the list's sender; its own selector can then look at another.
  ensureOption($('chart-sender'), filters.sender);
  $('chart-sender').value = filters.sender ?? '';
}

/** A shared link may name a sender this receiver no longer lists: keep it selectable rather than drop it. */
function ensureOption(select, value) {
  if (!value || [...select.options].some((candidate) => candidate.value === value)) return;
  select.append(option(value, value));
}

function readFilterForm() {
  const form = $('filters').elements;
  const filters = {};
  if (form.sender.value) filters.sender = form.sender.value;
  if (form.state.value) filters.state = form.state.value;
  const status = form.status.value.trim();
  if (status) {
    if (!/^[1-5]\d\d$/.test(status)) throw new ApiError(0, 'Status is an HTTP status, 100 to 599');
    filters.status = status;
  }
  const from = fromLocalInput(form.from.value);
  const to = fromLocalInput(form.to.value);
  if (from) filters.from = from;
  if (to) filters.to = to;
  if (from && to && from >= to) throw new ApiError(0, '"From" must be before "To"');
  if (form.limit.value && form.limit.value !== String(PAGE_SIZE)) filters.limit = form.limit.value;
  return filters;
}

function filterParams(filters) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
  return params;
}

// ---------------------------------------------------------------- the list

async function loadList() {
  const ticket = ++tickets.list;
  const params = filterParams(view.filters);
  params.set('view', 'summary');
  if (!params.has('limit')) params.set('limit', String(PAGE_SIZE));
  if (view.before) params.set('before', view.before);
  const { body, response } = await api(`/api/deliveries?${params}`);
  if (ticket !== tickets.list) return;
  view.next = response.headers.get('X-Next-Cursor') ?? undefined;
  renderRows(Array.isArray(body) ? body : []);
}

function renderRows(rows) {
  const tbody = $('deliveries').tBodies[0];
  tbody.replaceChildren(...rows.map(rowFor));
  $('list-empty').hidden = rows.length > 0;
  $('newer').disabled = view.cursors.length === 0;
  $('older').disabled = view.next === undefined;
  // The stack holds the cursor of every page before this one.
  const page = view.cursors.length + 1;
  $('page-label').textContent = rows.length ? `Page ${page} · ${rows.length} rows` : '';
  markSelected();
}

function rowFor(row) {
  const tr = el('tr', { 'data-id': row.id, tabindex: 0 });
  const sender = row.tenant ? `${row.sender} / ${row.tenant}` : row.sender;
  const replayOf = row.replayOf
    ? el('a', {
        href: hashFor(view.filters, row.replayOf),
        text: `↻ ${shortId(row.replayOf)}`,
        title: row.replayOf,
      })
    : undefined;
  tr.append(
    el('td', { class: 'time', text: formatTime(row.receivedAt), title: row.receivedAt }),
    el('td', { text: sender, title: sender }),
    el('td', { text: row.event ?? '—', title: row.event ?? undefined }),
    el('td', {}, badge(row.state)),
    el('td', { class: 'num', text: row.statusCode }),
    el('td', { text: row.reason ?? '', title: row.reason ?? undefined }),
    el('td', { class: 'num optional', text: formatDuration(row.durationMs) }),
    el('td', { class: 'optional' }, replayOf),
  );
  return tr;
}

function markSelected() {
  for (const tr of $('deliveries').tBodies[0].rows) {
    tr.classList.toggle('selected', tr.dataset.id === view.selected);
  }
}

function openRow(event) {
  if (event.target.closest('a')) return;
  const tr = event.target.closest('tbody tr');
  if (tr?.dataset.id) navigate(view.filters, tr.dataset.id).catch(handleError);
}

async function page(direction) {
  if (direction === 'older') {
    if (view.next === undefined) return;
    view.cursors.push(view.before);
    view.before = view.next;
  } else {
    if (view.cursors.length === 0) return;
    view.before = view.cursors.pop();
  }
  await loadList();
}

// ---------------------------------------------------------------- the detail

function closeDetail() {
  tickets.detail++;
  $('detail').replaceChildren();
  $('detail').hidden = true;
  $('work').classList.remove('with-detail');
  markSelected();
}

async function loadDetail(id) {
  const ticket = ++tickets.detail;
  const panel = $('detail');
  panel.hidden = false;
  $('work').classList.add('with-detail');
  markSelected();
  try {
    const { body } = await api(`/api/deliveries/${encodeURIComponent(id)}`);
    if (ticket !== tickets.detail) return undefined;
    renderDetail(body);
    return body;
  } catch (error) {
    if (!(error instanceof ApiError) || ticket !== tickets.detail) throw error;
    panel.replaceChildren(detailHead(id), el('p', { class: 'error', text: error.message }));
    return undefined;
  }
}

function detailHead(title) {
  // "#" rather than "": an empty href would load the page again.
  const close = el('a', { href: hashFor(view.filters) || '#', class: 'close', text: 'Close ✕' });
  return el('div', { class: 'detail-head' }, el('h2', { text: title }), close);
}

const link = (id) => el('a', { href: hashFor(view.filters, id), class: 'mono', text: id });

/** A delivery that was verified (not rejected) and whose body is kept can run again. */
const replayable = (delivery) => delivery.state !== 'rejected' && delivery.rawBody !== null;

function renderDetail(d) {
  const facts = el('dl', { class: 'facts' });
  const fact = (term, ...value) => facts.append(el('dt', { text: term }), el('dd', {}, ...value));
  fact('Delivery id', el('span', { class: 'mono', text: d.id }));
  fact('Sender', d.tenant ? `${d.sender} (tenant ${d.tenant})` : d.sender);
  fact('Event', d.event ?? '—');
  fact('State', badge(d.state));
  fact('HTTP status', String(d.statusCode));
  if (d.reason) fact(d.state === 'rejected' ? 'Rejected because' : 'Reason', d.reason);
  fact('Idempotency key', el('span', { class: 'mono', text: d.idempotencyKey ?? '—' }));
  if (d.duplicate) fact('Duplicate', 'yes: nothing ran for it');
  fact('Received at', el('span', { text: formatTime(d.receivedAt), title: d.receivedAt }));
  fact('Duration', formatDuration(d.durationMs));
  if (d.replayOf) fact('Replay of', link(d.replayOf));
  const replays = d.history?.replays ?? [];
  if (replays.length) {
    fact('Replays', ...replays.flatMap((replay, i) => (i ? [', ', link(replay.id)] : [link(replay.id)])));
  }

  $('detail').replaceChildren(
    detailHead(d.event ? `${d.sender} · ${d.event}` : d.sender),
    facts,
    replaySection(d),
    el('h3', { text: 'Headers (credentials redacted)' }),
    headersTable(d.headers),
    el('h3', { text: bodyTitle(d) }),
    d.rawBody === null
      ? el('p', { class: 'muted', text: 'No body kept: only verified deliveries keep theirs.' })
      : el('pre', { class: 'body', text: prettyBody(d) }),
    ...historySection(d),
  );
}

function replaySection(d) {
  const section = el('div', { class: 'replay' });
  if (!replayable(d)) {
    section.append(
      el('p', {
        class: 'muted',
        text:
          d.state === 'rejected'
            ? 'A rejected delivery was never verified: it cannot be replayed.'
            : 'No stored body: nothing to replay.',
      }),
    );
    return section;
  }
  const button = el('button', { type: 'button', class: 'primary', id: 'replay', text: 'Replay' });
  const result = el('p', { class: 'result', id: 'replay-result', role: 'status', hidden: '' });
  button.addEventListener('click', () => replay(d.id, button, result));
  section.append(
    button,
    el('p', {
      class: 'muted',
      text: 'Runs the stored delivery through the handlers again, logged as a replay.',
    }),
    result,
  );
  return section;
}

async function replay(id, button, result) {
  button.disabled = true;
  result.hidden = false;
  result.className = 'result muted';
  result.textContent = 'Replaying…';
  let answer;
  try {
    answer = await api(`/api/deliveries/${encodeURIComponent(id)}/replay`, { method: 'POST' });
  } catch (error) {
    if (!(error instanceof ApiError)) return handleError(error);
    result.className = 'result error';
    result.textContent = error.status ? `Refused (HTTP ${error.status}): ${error.message}` : error.message;
    button.disabled = false;
    return undefined;
  }
  const { body, response } = answer;
  try {
    // The replay is a delivery of its own: it shows in the list and in this one's history.
    await Promise.all([loadList(), loadChart(), loadDetail(id)]);
  } catch (error) {
    handleError(error);
  }
  const shown = $('replay-result') ?? result;
  shown.hidden = false;
  shown.className = 'result';
  shown.replaceChildren(
    `Replay accepted (HTTP ${response.status}), ${body?.state ?? 'started'}: `,
    link(String(body?.id ?? '')),
  );
  return undefined;
}

function headersTable(headers) {
  const entries = Object.entries(headers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return el('p', { class: 'muted', text: 'No headers kept.' });
  const tbody = el('tbody');
  for (const [name, value] of entries) {
    const text = String(value);
    tbody.append(
      el(
        'tr',
        {},
        el('td', { text: name }),
        el('td', { class: text === '[redacted]' ? 'redacted' : undefined, text }),
      ),
    );
  }
  return el('table', { class: 'headers' }, tbody);
}

function bodyTitle(d) {
  if (d.rawBody === null) return 'Body';
  if (d.rawBodyEncoding === 'base64') return 'Body (base64: the bytes are not UTF-8 text)';
  return isJson(d.rawBody) ? 'Body (JSON)' : 'Body';
}

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** JSON re-indented; anything else (and base64) exactly as stored. */
function prettyBody(d) {
  if (d.rawBodyEncoding !== 'utf8') return d.rawBody;
  try {
    return JSON.stringify(JSON.parse(d.rawBody), null, 2);
  } catch {
    return d.rawBody;
  }
}

function historySection(d) {
  const attempts = d.history?.attempts ?? [];
  const replays = d.history?.replays ?? [];
  const parts = [];
  if (attempts.length) {
    const tbody = el('tbody');
    for (const a of attempts) {
      tbody.append(
        el(
          'tr',
          {},
          el('td', { text: `${a.attempt} of ${a.attempts}` }),
          el('td', {}, badge(a.state)),
          el('td', { text: a.reason ?? '' }),
          el('td', { text: formatTime(a.at), title: a.at }),
          el('td', { class: 'num', text: formatDuration(a.durationMs) }),
        ),
      );
    }
    parts.push(
      el('h3', { text: 'Attempts' }),
      historyTable(['Attempt', 'State', 'Reason', 'At', 'Took'], tbody),
    );
  }
  if (replays.length) {
    const tbody = el('tbody');
    for (const r of replays) {
      tbody.append(
        el(
          'tr',
          {},
          el('td', {}, link(r.id)),
          el('td', {}, badge(r.state)),
          el('td', { class: 'num', text: r.statusCode ?? '' }),
          el('td', { text: r.reason ?? '' }),
          el('td', { text: formatTime(r.receivedAt), title: r.receivedAt }),
        ),
      );
    }
    parts.push(
      el('h3', { text: 'Replays' }),
      historyTable(['Delivery', 'State', 'Status', 'Reason', 'At'], tbody),
    );
  }
  if (parts.length === 0)
    parts.push(
      el('h3', { text: 'History' }),
      el('p', { class: 'muted', text: 'No retries and no replays.' }),
    );
  return parts;
}

function historyTable(columns, tbody) {
  const head = el('tr', {}, ...columns.map((name) => el('th', { scope: 'col', text: name })));
  return el('table', { class: 'history' }, el('thead', {}, head), tbody);
}

// ---------------------------------------------------------------- the chart

/** The filters' window when they set one, else the last day; by the hour up to four days. */
function chartWindow(filters) {
  const to = filters.to ? new Date(filters.to) : new Date();
  const from = filters.from ? new Date(filters.from) : new Date(to.getTime() - DEFAULT_CHART_WINDOW_MS);
  const bucket = to.getTime() - from.getTime() > HOURLY_UP_TO_MS ? 'day' : 'hour';
  return { from, to, bucket };
}

async function loadChart() {
  const ticket = ++tickets.chart;
  const { from, to, bucket } = chartWindow(view.filters);
  const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), bucket });
  const { body } = await api(`/api/deliveries/stats?${params}`);
  if (ticket !== tickets.chart) return;
  view.stats = body;
  drawChart();
}

function drawChart() {
  const stats = view.stats;
  if (!stats) return;
  const sender = $('chart-sender').value;
  const size = stats.bucket === 'day' ? DAY_MS : HOUR_MS;
  // Buckets start on UTC hours and days, as the API counts them; empty ones are drawn too.
  const first = Math.floor(Date.parse(stats.from) / size) * size;
  const end = Date.parse(stats.to);
  const starts = [];
  for (let at = first; at < end && starts.length < 5000; at += size) starts.push(at);
  const states = view.meta?.states ?? Object.keys(STATE_COLORS);
  const counts = new Map(states.map((state) => [state, new Array(starts.length).fill(0)]));
  let total = 0;
  for (const point of stats.series ?? []) {
    if (sender && point.sender !== sender) continue;
    const index = Math.floor((Date.parse(point.at) - first) / size);
    if (index < 0 || index >= starts.length) continue;
    if (!counts.has(point.state)) counts.set(point.state, new Array(starts.length).fill(0));
    counts.get(point.state)[index] += point.count;
    total += point.count;
  }
  const datasets = [...counts]
    .filter(([, values]) => values.some((count) => count > 0))
    .map(([state, values]) => ({
      label: state,
      data: values,
      backgroundColor: STATE_COLORS[state] ?? '#8a94a3',
      stack: 'outcomes',
      maxBarThickness: 28,
    }));
  const labels = starts.map((at, i) => bucketLabel(at, stats.bucket, i === 0));
  const who = sender || 'all senders';
  $('chart-window').textContent =
    `${total} ${total === 1 ? 'delivery' : 'deliveries'}, ${who}, ` +
    `${formatTime(stats.from).slice(0, 16)} to ${formatTime(stats.to).slice(0, 16)}, by the ${stats.bucket}`;
  $('chart-empty').hidden = total > 0;
  if (typeof Chart === 'undefined') {
    $('chart-empty').hidden = false;
    $('chart-empty').textContent = 'The chart library did not load.';
    return;
  }
  view.chart?.destroy();
  view.chart = new Chart($('chart'), {
    type: 'bar',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { autoSkipPadding: 12, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: {
        legend: { position: 'right', labels: { boxWidth: 12, boxHeight: 12 } },
        tooltip: { mode: 'index', intersect: false },
      },
    },
  });
}

/** An hour as "14:00" (with the date at midnight and on the first bar), a day as "May 3". */
function bucketLabel(at, bucket, first) {
  const date = new Date(at);
  const day = date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (bucket === 'day') return day;
  const hour = `${pad(date.getHours())}:00`;
  return first || date.getHours() === 0 ? [hour, day] : hour;
}

// ---------------------------------------------------------------- wiring

function bind() {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    $('sign-in-error').hidden = true;
    start();
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('Signed out: the token is forgotten.', 'muted');
  });
  $('refresh').addEventListener('click', async () => {
    setStatus('Loading…');
    try {
      await Promise.all([loadList(), loadChart(), view.selected ? loadDetail(view.selected) : undefined]);
      showBanner('');
      setStatus(`Updated ${formatTime(new Date().toISOString()).slice(11)}`);
    } catch (error) {
      handleError(error);
    }
  });
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    let filters;
    try {
      filters = readFilterForm();
    } catch (error) {
      showBanner(error.message);
      return;
    }
    showBanner('');
    // A new filter: the open delivery may not be in it any more, so its detail closes.
    navigate(filters, undefined).catch(handleError);
  });
  $('clear-filters').addEventListener('click', () => navigate({}, undefined).catch(handleError));
  $('chart-sender').addEventListener('change', drawChart);
  $('deliveries').addEventListener('click', openRow);
  $('deliveries').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') openRow(event);
  });
  $('newer').addEventListener('click', () => page('newer').catch(handleError));
  $('older').addEventListener('click', () => page('older').catch(handleError));
  // Back, Forward, or a link to another delivery (the hrefs are hashes).
  window.addEventListener('popstate', () => applyHash().catch(handleError));
  window.addEventListener('hashchange', () => applyHash().catch(handleError));
}

bind();
start();
