/* Small progressive enhancements; every page works without this file. */
(function () {
  'use strict';
  /* Confirm destructive actions marked with data-confirm. */
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  /* Live counters: an element with data-poll="/url" shows the "pending"
   * number of that JSON document, refreshed every 10 s (empty when 0).
   * A failed answer (logged out, network) stops the polling quietly. */
  document.querySelectorAll('[data-poll]').forEach(function (el) {
    var url = el.getAttribute('data-poll'), key = el.getAttribute('data-poll-key') || 'pending', timer;
    function tick() {
      if (document.hidden) return;
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, redirect: 'error' })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (j) {
          var n = Number(j[key]) || 0;
          el.textContent = n > 0 ? String(n) : '';
          el.classList.toggle('has-count', n > 0);
        })
        .catch(function () { clearInterval(timer); });
    }
    timer = setInterval(tick, 10000);
  });
  /* Auto-submit filter selects so the grid updates as soon as a filter changes. */
  document.querySelectorAll('form.filters select').forEach(function (sel) {
    sel.addEventListener('change', function () { sel.form.submit(); });
  });
  /* Print buttons (receipts, statements) are hidden until script can press print. */
  document.querySelectorAll('[data-print]').forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener('click', function () { window.print(); });
  });
})();
