// The queue live page (templates/pages/queues/live.hbs): member states and waiting callers,
// refreshed from GET /api/v1/queues/:number/live every 2 seconds.
(() => {
  const table = document.querySelector('table[data-live-queue]');
  if (!table) return;
  const number = table.getAttribute('data-live-queue');
  const callersBody = document.querySelector('[data-live-callers]');
  const waitingCount = document.querySelector('[data-waiting-count]');
  const errorLine = document.querySelector('[data-live-error]');
  const LABELS = {
    available: 'available',
    ringing: 'ringing',
    in_call: 'in call',
    paused: 'paused',
    logged_out: 'logged out',
    unavailable: 'unavailable',
  };
  function label(m) {
    return m.state === 'paused' && m.pause_reason ? `paused (${m.pause_reason})` : LABELS[m.state] || m.state;
  }
  function showForms(row, m) {
    row.querySelectorAll('[data-show-when]').forEach((form) => {
      const when = form.getAttribute('data-show-when');
      const show =
        (when === 'logged_out' && !m.logged_in) ||
        (when === 'logged_in' && m.logged_in) ||
        (when === 'unpaused' && m.logged_in && m.state !== 'paused') ||
        (when === 'paused' && m.logged_in && m.state === 'paused');
      form.hidden = !show;
    });
  }
  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }
  function wait(s) {
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }
  function render(live) {
    errorLine.hidden = live.asterisk === 'ok';
    errorLine.textContent =
      live.asterisk === 'queue_missing'
        ? 'Asterisk does not have this queue yet: it appears with the next apply.'
        : 'Asterisk is unreachable: the states are unknown.';
    live.members.forEach((m) => {
      const row = table.querySelector(`tr[data-ext="${m.extension}"]`);
      if (!row) return;
      const badge = row.querySelector('[data-state]');
      badge.textContent = label(m);
      badge.className = `state agent-${m.state}`;
      row.querySelector('[data-calls]').textContent = String(m.calls_taken);
      showForms(row, m);
    });
    waitingCount.textContent = String(live.callers.length);
    callersBody.replaceChildren();
    if (live.callers.length === 0) {
      const tr = document.createElement('tr');
      const td = cell('Nobody is waiting.', 'empty');
      td.colSpan = 4;
      tr.appendChild(td);
      callersBody.appendChild(tr);
    }
    live.callers.forEach((c) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(String(c.position)),
        cell(c.caller_number || c.channel, 'mono'),
        cell(wait(c.wait_seconds)),
        cell(String(c.priority)),
      );
      callersBody.appendChild(tr);
    });
  }
  function refresh() {
    fetch(`/api/v1/queues/${encodeURIComponent(number)}/live`, { credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : Promise.reject(res.status)))
      .then(render)
      .catch(() => {
        errorLine.textContent = 'Switchboard did not answer: the states shown may be stale.';
        errorLine.hidden = false;
      });
  }
  refresh();
  setInterval(refresh, 2000);
})();
