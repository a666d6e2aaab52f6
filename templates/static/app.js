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
