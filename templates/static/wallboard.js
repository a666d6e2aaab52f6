// The wallboard (templates/pages/wallboard/index.hbs): fed by the server-sent events of
// /api/v1/wallboard/events; waits and durations tick here, between snapshots.
(() => {
  const root = document.querySelector('[data-wallboard]');
  if (!root) return;
  const kiosk = new URLSearchParams(window.location.search).get('kiosk');
  const url = `/api/v1/wallboard/events${kiosk ? `?kiosk=${encodeURIComponent(kiosk)}` : ''}`;
  const queuesBox = root.querySelector('[data-wb-queues]');
  const callsBody = root.querySelector('[data-wb-calls]');
  const callCount = root.querySelector('[data-wb-call-count]');
  const status = root.querySelector('[data-wb-status]');
  const asteriskLine = root.querySelector('[data-wb-asterisk]');
  const alertsBox = root.querySelector('[data-wb-alerts]');
  const clock = root.querySelector('[data-wb-clock]');
  const zone = root.querySelector('[data-wb-timezone]');
  const STATES = { waiting: 'waiting', ringing: 'ringing', talking: 'talking', in_progress: 'in progress' };
  let skew = 0; // server clock minus this screen's clock, from each snapshot

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, '0');
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
  }
  function dash(v) {
    return v === null || v === undefined ? '—' : String(v);
  }
  function percent(v) {
    if (v === null || v === undefined) return '—';
    return `${Math.round(v <= 1 ? v * 100 : v)}%`;
  }
  function since(node, iso) {
    if (iso) node.setAttribute('data-since', iso);
    node.textContent = iso ? duration(Date.now() + skew - Date.parse(iso)) : '—';
    return node;
  }
  function big(value, label, attr, cls) {
    const box = el('div', `wb-big${cls ? ` ${cls}` : ''}`);
    const num = el('span', 'wb-num', value);
    num.setAttribute(attr, '');
    box.append(num, el('span', 'wb-label', label));
    return { box, num };
  }
  function figures(cls, pairs) {
    const dl = el('dl', cls);
    pairs.forEach(([label, value, attr]) => {
      const dt = el('dt', '', label);
      const dd = el('dd', '', value);
      dd.setAttribute(attr, '');
      dl.append(dt, dd);
    });
    return dl;
  }
  function tile(q) {
    const t = el('article', 'wb-tile');
    t.setAttribute('data-queue', q.number);
    const h = el('h2', '', q.name);
    h.append(' ', el('small', 'mono', q.number));
    const waiting = big(String(q.waiting), 'waiting', 'data-waiting', q.waiting > 0 ? 'wb-alert' : '');
    const longest = big('', 'longest wait', 'data-longest', '');
    since(longest.num, q.longest_waiting_since);
    const a = q.agents;
    t.append(
      h,
      el('div', 'wb-bigs'),
      figures('wb-agents', [
        ['available', String(a.available), 'data-available'],
        ['busy', String(a.busy), 'data-busy'],
        ['paused', String(a.paused), 'data-paused'],
        ['logged out', String(a.logged_out), 'data-logged-out'],
        ['phone offline', String(a.unavailable), 'data-unavailable'],
      ]),
      figures('wb-today', [
        ['answered today', dash(q.today.answered), 'data-answered'],
        ['abandoned today', dash(q.today.abandoned), 'data-abandoned'],
        ['service level', percent(q.today.service_level), 'data-service-level'],
      ]),
    );
    t.querySelector('.wb-bigs').append(waiting.box, longest.box);
    return t;
  }
  function render(s) {
    asteriskLine.hidden = s.asterisk === 'ok';
    // Spend-guard alerts of the last day (toll fraud?): text nodes only, never HTML.
    const alerts = s.alerts || [];
    alertsBox.hidden = alerts.length === 0;
    alertsBox.replaceChildren(
      ...alerts.map((a) => {
        const line = el('p', '', `Spend guard: ${a.text}, `);
        line.setAttribute('data-wb-alert', String(a.id));
        line.append(since(el('span', 'mono'), a.at), ' ago');
        return line;
      }),
    );
    if (zone) zone.textContent = s.timezone;
    queuesBox.replaceChildren();
    if (s.queues.length === 0) queuesBox.append(el('p', 'empty', 'No queues yet.'));
    s.queues.forEach((q) => {
      queuesBox.append(tile(q));
    });
    callCount.textContent = String(s.calls.length);
    callsBody.replaceChildren();
    if (s.calls.length === 0) {
      const tr = el('tr');
      const td = el('td', 'empty', 'No calls.');
      td.colSpan = 5;
      tr.append(td);
      callsBody.append(tr);
    }
    s.calls.forEach((c) => {
      const tr = el('tr');
      tr.setAttribute('data-call-id', c.id);
      tr.setAttribute('data-call-state', c.state);
      const state = el('td');
      state.append(el('span', `state wb-call-${c.state}`, STATES[c.state] || c.state));
      tr.append(
        el('td', 'mono', c.caller),
        el('td', 'mono', c.callee || ''),
        el('td', 'mono', c.queue || ''),
        state,
        since(el('td', 'mono wb-duration'), c.started_at),
      );
      callsBody.append(tr);
    });
  }
  function tick() {
    root.querySelectorAll('[data-since]').forEach((node) => {
      node.textContent = duration(Date.now() + skew - Date.parse(node.getAttribute('data-since')));
    });
    if (clock) clock.textContent = new Date(Date.now() + skew).toLocaleTimeString();
  }
  function setStatus(text, bad) {
    status.textContent = text;
    status.className = `wb-status${bad ? ' wb-status-bad' : ''}`;
  }
  function connect() {
    const source = new EventSource(url);
    source.addEventListener('snapshot', (event) => {
      const snapshot = JSON.parse(event.data);
      skew = Date.parse(snapshot.generated_at) - Date.now();
      setStatus('live', false);
      render(snapshot);
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (a revoked kiosk link, a signed-out session) or the server is gone: the
        // browser gives up on its own, so try again a little later.
        setStatus(kiosk ? 'disconnected: is this kiosk link still valid?' : 'disconnected', true);
        setTimeout(connect, 10_000);
      } else setStatus('reconnecting…', true);
    };
  }
  const fullscreen = root.querySelector('[data-wb-fullscreen]');
  if (fullscreen && document.documentElement.requestFullscreen) {
    fullscreen.addEventListener('click', () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => {});
    });
  } else if (fullscreen) fullscreen.hidden = true;
  setInterval(tick, 1000);
  connect();
})();
