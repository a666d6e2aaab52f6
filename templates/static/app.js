// Live registration state on the extensions list, and confirmation before destructive forms.
(() => {
  document.querySelectorAll('form[data-confirm]').forEach((form) => {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
  var table = document.querySelector('table[data-live-registrations]');
  if (!table) return;
  var query = table.getAttribute('data-live-registrations');
  function refresh() {
    fetch(`/api/v1/extensions?${query}`, { credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : null))
      .then((body) => {
        if (!body) return;
        body.items.forEach((item) => {
          var cell = table.querySelector(`tr[data-number="${item.number}"] [data-state]`);
          if (!cell || !item.registration) return;
          cell.textContent = item.registration.state;
          cell.className = `state state-${item.registration.state}`;
        });
      })
      .catch(() => {});
  }
  setInterval(refresh, 3000);
})();

// Live trunk status on the trunks list: registration (with its reason) and reachability.
(() => {
  var table = document.querySelector('table[data-live-trunks]');
  if (!table) return;
  var labels = { not_applicable: 'not applicable' };
  function set(cell, state) {
    if (!cell || !state) return;
    cell.textContent = labels[state] || state;
    cell.className = `state state-${state}`;
  }
  function refresh() {
    fetch('/api/v1/trunks', { credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : null))
      .then((body) => {
        if (!body) return;
        body.items.forEach((item) => {
          var row = table.querySelector(`tr[data-trunk-id="${Number(item.id)}"]`);
          if (!row || !item.status) return;
          var registration = row.querySelector('[data-registration]');
          set(registration, item.status.registration);
          if (registration) registration.title = item.status.reason || '';
          var reason = row.querySelector('[data-reason]');
          if (reason) reason.textContent = item.status.reason || '';
          set(row.querySelector('[data-reachability]'), item.status.reachability);
        });
      })
      .catch(() => {});
  }
  setInterval(refresh, 3000);
})();

// A backup under way on the backups page: its bytes, then the list again once it has ended.
(() => {
  var notice = document.querySelector('[data-backup-job]');
  if (!notice) return;
  var id = notice.getAttribute('data-backup-job');
  function poll() {
    fetch(`/api/v1/backups/jobs/${id}`, { credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : null))
      .then((job) => {
        if (!job) return;
        if (job.status !== 'running') {
          window.location.reload();
          return;
        }
        var bytes = notice.querySelector('[data-backup-bytes]');
        if (bytes) bytes.textContent = String(job.bytes_written);
        setTimeout(poll, 1000);
      })
      .catch(() => setTimeout(poll, 2000));
  }
  setTimeout(poll, 500);
})();
