/* Small progressive enhancements; every page works without this file. */
(function () {
  'use strict';
  /* Confirm destructive actions marked with data-confirm. */
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  /* Live counters: an element with data-poll="/url" shows the "pending"
   * number of that JSON document, refreshed every data-poll-interval ms
   * (10 s when not given; never more often than once a second), empty
   * when 0.  A failed answer (logged out, network) stops the polling quietly. */
  document.querySelectorAll('[data-poll]').forEach(function (el) {
    var url = el.getAttribute('data-poll'), key = el.getAttribute('data-poll-key') || 'pending', timer;
    var every = Math.max(Number(el.getAttribute('data-poll-interval')) || 10000, 1000);
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
    timer = setInterval(tick, every);
  });
  /* The live locker grid: every 2 s the site's doors document
   * ({"cells": {"<id>": {"door", "occupied", "alarm"}}}) marks each cell
   * a[data-cell] of #grid with door-open, door-unknown, item-in and alarm, on top of
   * its status colour.  Three failed answers in a row stop the polling. */
  document.querySelectorAll('[data-doors]').forEach(function (source) {
    var url = source.getAttribute('data-doors'), cells = {}, failures = 0, timer;
    document.querySelectorAll('#grid a[data-cell]').forEach(function (a) { cells[a.getAttribute('data-cell')] = a; });
    function mark(doors) {
      Object.keys(cells).forEach(function (id) {
        var a = cells[id], d = doors[id] || null;
        a.classList.toggle('door-open', !!d && d.door === 'open');
        a.classList.toggle('door-unknown', !!d && d.door === 'unknown');
        a.classList.toggle('item-in', !!d && d.occupied === 1);
        a.classList.toggle('alarm', !!d && !!d.alarm);
        if (d && d.alarm) a.setAttribute('data-alarm', d.alarm); else a.removeAttribute('data-alarm');
      });
    }
    function tick() {
      if (document.hidden) return;
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, redirect: 'error' })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (j) { failures = 0; mark(j.cells || {}); })
        .catch(function () { if (++failures >= 3) clearInterval(timer); });
    }
    if (!Object.keys(cells).length) return;
    tick();
    timer = setInterval(tick, 2000);
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
