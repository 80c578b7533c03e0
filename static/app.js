/* Small progressive enhancements; every page works without this file. */
(function () {
  'use strict';
  /* Confirm destructive actions marked with data-confirm. */
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  /* Auto-submit filter selects so the grid updates as soon as a filter changes. */
  document.querySelectorAll('form.filters select').forEach(function (sel) {
    sel.addEventListener('change', function () { sel.form.submit(); });
  });
})();
