// sipreg dashboard: live state from /api/events (Server-Sent Events read through fetch, so the bearer token can be
// sent), bindings from /api/bindings, per-AOR history from /api/attempts. No libraries, no build step.

const SVG = 'http://www.w3.org/2000/svg';
const WINDOW = 300; // seconds of history kept for the charts
const FAILURES = ['no-credentials', 'stale-nonce', 'wrong-password', 'not-authorized', 'malformed-credentials',
  'interval-too-brief', 'rejected'];
const COLORS = ['#2563c9', '#1f8a4c', '#c62f2f', '#c47f00', '#7c3aed', '#0891b2', '#6b7585', '#db2777'];

const state = {
  token: sessionStorage.getItem('sipreg-token') || '',
  ticks: [],
  bindingsVersion: null,
  bindings: [],
  selectedAor: null,
  search: '',
};

const $ = (id) => document.getElementById(id);

function tokenFromFragment() {
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (match) {
    state.token = decodeURIComponent(match[1]);
    sessionStorage.setItem('sipreg-token', state.token);
    history.replaceState(null, '', location.pathname + location.search);
  }
}

function headers(extra = {}) {
  return state.token ? { ...extra, Authorization: 'Bearer ' + state.token } : extra;
}

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers) });
  if (response.status === 401) {
    showLogin('the server asks for a token');
    throw new Unauthorized();
  }
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error || response.statusText);
  }
  return body;
}

function showLogin(message) {
  $('login').hidden = false;
  $('login-error').textContent = message || '';
}

// ---- live feed ----

async function stream() {
  for (;;) {
    try {
      const response = await fetch('/api/events', { headers: headers() });
      if (response.status === 401) {
        showLogin('the server asks for a token');
        setLive(false);
        return;
      }
      setLive(true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) onTick(JSON.parse(data));
        }
      }
    } catch (e) {
      // The server went away or restarted: say so, and try again.
    }
    setLive(false);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function setLive(up) {
  $('live').textContent = up ? 'live' : 'disconnected';
  $('live').className = up ? '' : 'down';
}

function onTick(tick) {
  state.ticks.push(tick);
  while (state.ticks.length > WINDOW) state.ticks.shift();
  $('stat-bindings').textContent = tick.bindings;
  $('stat-nat').textContent = tick.nat;
  $('stat-pinged').textContent = tick.keepalive.pinged;
  drawCharts();
  addAttempts(tick.attempts);
  if (tick.bindingsVersion !== state.bindingsVersion) {
    state.bindingsVersion = tick.bindingsVersion;
    loadBindings();
  } else {
    renderExpiries();
  }
  if (state.selectedAor && tick.attempts.some((a) => a.aor === state.selectedAor)) {
    loadHistory(state.selectedAor);
  }
}

// ---- charts ----

/** Per-second rates of a cumulative counter between consecutive ticks. */
function rates(pick) {
  const out = [];
  for (let i = 1; i < state.ticks.length; i++) {
    const seconds = Math.max(0.001, (state.ticks[i].t - state.ticks[i - 1].t) / 1000);
    out.push(Math.max(0, (pick(state.ticks[i]) - pick(state.ticks[i - 1])) / seconds));
  }
  return out;
}

function drawCharts() {
  const t = state.ticks;
  lineChart('registrations', [
    { name: 'registered', values: rates((x) => x.outcomes.registered) },
    { name: 'unregistered', values: rates((x) => x.outcomes.unregistered) },
  ]);
  lineChart('failures', FAILURES.map((reason) => ({ name: reason, values: rates((x) => x.outcomes[reason]) }))
    .filter((s) => s.values.some((v) => v > 0) || s.name === 'wrong-password'));
  lineChart('bindings', [
    { name: 'bindings', values: t.map((x) => x.bindings) },
    { name: 'behind NAT', values: t.map((x) => x.nat) },
  ]);
  lineChart('keepalives', [
    { name: 'answered', values: rates((x) => x.keepalive.answered) },
    { name: 'unanswered', values: rates((x) => x.keepalive.unanswered) },
    { name: 'removed', values: rates((x) => x.keepalive.removed) },
  ]);
}

function el(name, attributes = {}, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function lineChart(id, series) {
  const svg = $('chart-' + id);
  svg.replaceChildren();
  const w = 320, h = 110, left = 30, top = 6, bottom = 14;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const scale = niceMax(max);
  for (const f of [0, 0.5, 1]) {
    const y = top + (h - top - bottom) * (1 - f);
    el('line', { x1: left, x2: w, y1: y, y2: y, class: 'grid' }, svg);
    el('text', { x: 2, y: y + 3, class: 'axis' }, svg).textContent = format(scale * f);
  }
  el('text', { x: left, y: h - 2, class: 'axis' }, svg).textContent = '-' + Math.max(0, state.ticks.length - 1) + ' s';
  el('text', { x: w - 22, y: h - 2, class: 'axis' }, svg).textContent = 'now';
  const legend = $('legend-' + id);
  legend.replaceChildren();
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const n = s.values.length;
    if (n > 0) {
      const points = s.values.map((v, j) => {
        const x = left + (w - left) * (n === 1 ? 1 : j / (WINDOW - 1)) + (w - left) * (WINDOW - n) / (WINDOW - 1);
        const y = top + (h - top - bottom) * (1 - v / scale);
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      const line = el('polyline', { points: points.join(' '), 'data-series': s.name }, svg);
      line.style.stroke = color;
    }
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = color;
    item.append(swatch, s.name + ' ' + format(n ? s.values[n - 1] : 0));
    legend.appendChild(item);
  });
}

function niceMax(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function format(v) {
  return v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
}

// ---- bindings ----

async function loadBindings() {
  const query = state.search ? '&q=' + encodeURIComponent(state.search) : '';
  try {
    const body = await api('/api/bindings?limit=500' + query);
    state.bindings = body.bindings;
    $('bindings-total').textContent = body.total > body.bindings.length
      ? body.bindings.length + ' of ' + body.total : String(body.total);
    renderBindings();
  } catch (e) {
    if (!(e instanceof Unauthorized)) $('bindings-total').textContent = e.message;
  }
}

function renderBindings() {
  const tbody = $('bindings').querySelector('tbody');
  tbody.replaceChildren();
  for (const b of state.bindings) {
    const tr = document.createElement('tr');
    tr.className = 'binding' + (b.nat ? ' nat' : '');
    tr.dataset.aor = b.aor;
    tr.dataset.contact = b.contact;
    const aor = document.createElement('a');
    aor.className = 'aor';
    aor.textContent = b.aor;
    aor.addEventListener('click', () => selectAor(b.aor));
    const cells = [aor, b.contact, b.transport.toLowerCase() + ' ' + b.received, b.nat ? 'yes' : 'no', b.userAgent,
      '', keepaliveText(b)];
    cells.forEach((content, i) => {
      const td = document.createElement('td');
      if (i === 3) td.className = 'natflag';
      if (i === 5) {
        td.className = 'num expires';
        td.dataset.expiresAt = b.expiresAt;
      }
      td.append(content);
      tr.appendChild(td);
    });
    const td = document.createElement('td');
    const remove = document.createElement('button');
    remove.className = 'remove';
    remove.textContent = 'Remove';
    remove.title = 'Remove this binding (click twice)';
    remove.addEventListener('click', () => removeBinding(b, remove));
    td.appendChild(remove);
    tr.appendChild(td);
    tbody.appendChild(tr);
  }
  $('no-bindings').hidden = state.bindings.length > 0;
  renderExpiries();
}

function keepaliveText(b) {
  if (!b.keepalive) return b.transport === 'UDP' ? 'not pinged' : 'connection';
  const k = b.keepalive;
  const last = k.lastAnsweredAt ? ago(k.lastAnsweredAt) : 'never';
  return k.failuresInRow > 0 ? last + ' (' + k.failuresInRow + ' unanswered)' : last;
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 90 ? s + ' s ago' : Math.round(s / 60) + ' min ago';
}

function renderExpiries() {
  for (const td of document.querySelectorAll('td.expires')) {
    const left = Math.max(0, Math.ceil((Date.parse(td.dataset.expiresAt) - Date.now()) / 1000));
    td.textContent = left + ' s';
  }
}

async function removeBinding(b, button) {
  // The first click arms the button, the second removes: a slip of the mouse does not drop a phone.
  if (!button.classList.contains('confirm')) {
    button.classList.add('confirm');
    button.textContent = 'Confirm';
    setTimeout(() => {
      button.classList.remove('confirm');
      button.textContent = 'Remove';
    }, 4000);
    return;
  }
  button.disabled = true;
  try {
    await api('/api/bindings?aor=' + encodeURIComponent(b.aor) + '&contact=' + encodeURIComponent(b.contact),
      { method: 'DELETE' });
  } catch (e) {
    button.title = e.message;
  }
  await loadBindings();
}

// ---- history ----

function selectAor(aor) {
  state.selectedAor = aor;
  loadHistory(aor);
}

async function loadHistory(aor) {
  try {
    const body = await api('/api/attempts?aor=' + encodeURIComponent(aor));
    drawLadder(aor, body.attempts);
  } catch (e) {
    $('history-aor').textContent = e.message;
  }
}

function classOf(a) {
  if (a.kind === 'keepalive') return 'bad';
  if (a.status >= 200 && a.status < 300) return 'ok';
  if (a.status === 401 || a.status === 407) return 'challenge';
  return 'bad';
}

/** Device on the left, registrar on the right: each REGISTER an arrow across and its answer an arrow back. */
function drawLadder(aor, attempts) {
  $('history-aor').textContent = aor + ' (last ' + attempts.length + ')';
  const svg = $('ladder');
  svg.replaceChildren();
  const w = 640, device = 170, registrar = 560, row = 34, top = 24;
  const h = top + Math.max(1, attempts.length) * row + 8;
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  el('line', { x1: device, x2: device, y1: 14, y2: h, class: 'lane' }, svg);
  el('line', { x1: registrar, x2: registrar, y1: 14, y2: h, class: 'lane' }, svg);
  el('text', { x: device, y: 11, class: 'lane-label' }, svg).textContent = 'device';
  el('text', { x: registrar, y: 11, class: 'lane-label' }, svg).textContent = 'sipreg';
  attempts.forEach((a, i) => {
    const y = top + i * row;
    const g = el('g', { class: 'step', 'data-outcome': a.outcome }, svg);
    el('text', { x: 2, y: y + 8, class: 'time' }, g).textContent = new Date(a.at).toLocaleTimeString();
    el('text', { x: 2, y: y + 20, class: 'time' }, g).textContent = a.source;
    const kind = classOf(a);
    if (a.kind === 'register') {
      arrow(g, device, registrar, y, 'req', 'REGISTER');
      arrow(g, registrar, device, y + 14, kind, a.status + ' ' + a.reason + (a.outcome === 'registered' ? '' : ' (' + a.outcome + ')'));
    } else {
      arrow(g, registrar, device, y, 'req', 'OPTIONS');
      el('text', { x: (device + registrar) / 2, y: y + 20, class: 'msg bad' }, g).textContent = '✗ ' + a.reason;
    }
  });
}

function arrow(parent, from, to, y, kind, label) {
  el('line', { x1: from, x2: to, y1: y + 4, y2: y + 4, class: 'msg ' + kind }, parent);
  const d = to > from ? -6 : 6;
  el('polygon', { points: `${to},${y + 4} ${to + d},${y + 1} ${to + d},${y + 7}`, class: kind }, parent);
  el('text', { x: (from + to) / 2, y: y + 1, class: 'msg ' + kind }, parent).textContent = label;
}

// ---- feed of attempts ----

function addAttempts(attempts) {
  const list = $('attempts');
  for (const a of attempts) {
    const li = document.createElement('li');
    li.className = classOf(a);
    li.dataset.aor = a.aor;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = new Date(a.at).toLocaleTimeString();
    const text = a.kind === 'register'
      ? `${a.aor} ${a.status} ${a.reason} (${a.outcome}) from ${a.source}`
      : `${a.aor} keepalive: ${a.reason}`;
    li.append(when, text);
    li.addEventListener('click', () => selectAor(a.aor));
    list.prepend(li);
  }
  while (list.children.length > 100) list.lastChild.remove();
}

// ---- start ----

async function loadStatus() {
  try {
    const s = await api('/api/status');
    $('domain').textContent = s.domain;
    const started = Date.parse(s.startedAt);
    const tick = () => {
      const m = Math.floor((Date.now() - started) / 60000);
      $('stat-uptime').textContent = m < 60 ? m + ' min' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
    };
    tick();
    setInterval(tick, 30000);
    const blocked = await api('/api/blocked');
    $('blocked').replaceChildren(...blocked.map((b) => {
      const li = document.createElement('li');
      li.textContent = `${b.source} ${b.everyUser ? '(every user)' : b.user} until ${new Date(b.until).toLocaleTimeString()}`
        + ` (${b.failures} failures, ${b.refused} refused)`;
      return li;
    }));
    $('no-blocked').hidden = blocked.length > 0;
    return true;
  } catch (e) {
    return false;
  }
}

async function start() {
  $('login').hidden = true;
  if (await loadStatus()) stream();
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem('sipreg-token', state.token);
  start();
});

let searchTimer;
$('search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.search = $('search').value.trim();
    loadBindings();
  }, 250);
});

tokenFromFragment();
start();
