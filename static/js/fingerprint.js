/* Live fingerprint operations (enrollment, visit verification).  A form
 * with data-fp-live is sent with fetch and its answer read as it comes,
 * one JSON object a line (cgi-bin/backoffice_fplive.h): the reader's
 * progress lines, each with its words in "text", then the last line
 * {"ok", "html"}.  Inside the form's [data-fp-box]:
 *   [data-fp-prompt]            what to do now; its (or the box's)
 *                               data-working, data-refused ({status} for the
 *                               HTTP status), data-network, data-cancelled
 *                               hold the words this script says itself
 *   progress[data-fp-progress]  the stages captured (shown, when hidden,
 *                               for an operation of several stages)
 *   [data-fp-stage]             the last stage captured, in words (without
 *                               one, those words go to the prompt)
 *   [data-fp-result]            replaced by the last line's html
 *   [data-fp-cancel]            while the reader works: shown, and aborts the
 *                               request, which hangs up on the reader and
 *                               cancels it; otherwise it is as the page has
 *                               it (a link back, or hidden)
 * Text from the server goes in with textContent; only the last line's
 * html, which the server rendered with escaping on, is set as HTML.
 * Without this file the form is posted as usual and the page comes back
 * when the reader is done. */
(function () {
  'use strict';
  if (!window.fetch || !window.AbortController || !window.TextDecoder || !window.FormData) return;

  function setText(el, text) {
    if (el) el.textContent = text || '';
  }

  /* A message of ours in the result box (never HTML from elsewhere). */
  function showProblem(result, text, kind) {
    if (!result) return;
    var p = document.createElement('p');
    p.className = 'flash ' + (kind || 'error');
    p.setAttribute('role', 'alert');
    p.textContent = text || '';
    result.textContent = '';
    result.appendChild(p);
  }

  /* Reads the body line by line; onLine gets each non-empty one. */
  function readLines(body, onLine) {
    var reader = body.getReader(), decoder = new TextDecoder(), buf = '';
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          buf += decoder.decode();
          if (buf.trim()) onLine(buf);
          return;
        }
        buf += decoder.decode(chunk.value, { stream: true });
        var nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          var line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) onLine(line);
        }
        return pump();
      });
    }
    return pump();
  }

  document.querySelectorAll('form[data-fp-live]').forEach(function (form) {
    var box = form.closest('[data-fp-box]') || form.parentNode;
    var prompt = box.querySelector('[data-fp-prompt]');
    var progress = box.querySelector('progress[data-fp-progress]');
    var stage = box.querySelector('[data-fp-stage]');
    var result = box.querySelector('[data-fp-result]');
    var submits = form.querySelectorAll('button[type=submit], input[type=submit], button:not([type])');
    var cancels = box.querySelectorAll('[data-fp-cancel]');
    var progressHidden = progress ? progress.hidden : false;
    var running = null;

    /* Our own words, from the prompt's data-<name> or else the box's. */
    function words(name) {
      return (prompt && prompt.getAttribute('data-' + name)) || box.getAttribute('data-' + name) || '';
    }

    function setRunning(ctl) {
      running = ctl;
      submits.forEach(function (b) { b.disabled = !!ctl; });
      cancels.forEach(function (c) {
        if (ctl) {
          c.setAttribute('data-fp-was-hidden', c.hidden ? '1' : '');
          c.hidden = false;
        } else if (c.getAttribute('data-fp-was-hidden') === '1') {
          c.hidden = true;
        }
      });
      box.classList.toggle('fp-running', !!ctl);
    }

    function onLine(line, state) {
      var msg;
      try { msg = JSON.parse(line); } catch (e) { return; }
      if (!msg || typeof msg !== 'object') return;
      if (typeof msg.ok === 'boolean') {
        state.done = true;
        setText(prompt, '');
        if (msg.ok && progress && state.staged) progress.value = progress.max;
        if (result) result.innerHTML = typeof msg.html === 'string' ? msg.html : '';
        return;
      }
      if (msg.event === 'started' && progress && msg.stages > 0) {
        progress.max = msg.stages;
        progress.value = 0;
        if (msg.stages > 1) progress.hidden = false;
      }
      if (msg.event === 'stage') {
        state.staged = true;
        if (progress && msg.of > 0) {
          progress.max = msg.of;
          progress.value = msg.stage;
        }
        setText(stage || prompt, msg.text);
      } else {
        setText(prompt, msg.text);
      }
    }

    form.addEventListener('submit', function (e) {
      if (e.defaultPrevented) return;          /* a handler before this one stopped it */
      e.preventDefault();
      if (running) return;
      var ctl = new AbortController(), state = { done: false, staged: false };
      setRunning(ctl);
      if (result) result.textContent = '';
      setText(stage, '');
      if (progress) {
        progress.value = 0;
        progress.hidden = progressHidden;
      }
      setText(prompt, words('working'));
      fetch(form.action, { method: 'POST', body: new FormData(form), credentials: 'same-origin',
                           headers: { Accept: 'application/x-ndjson' }, signal: ctl.signal })
        .then(function (r) {
          var type = r.headers.get('Content-Type') || '';
          /* Refused before the reader was asked (log-in, CSRF, role, a
           * customer out of sight): an ordinary error page came back. */
          if (type.indexOf('application/x-ndjson') !== 0 || !r.body) {
            setText(prompt, '');
            showProblem(result, words('refused').replace('{status}', String(r.status)));
            state.done = true;
            return undefined;
          }
          return readLines(r.body, function (line) { onLine(line, state); });
        })
        .catch(function () { /* aborted or the connection broke: said below */ })
        .then(function () {
          if (!state.done) {
            setText(prompt, '');
            if (ctl.signal.aborted) showProblem(result, words('cancelled'), 'warn');
            else showProblem(result, words('network'));
          }
          setRunning(null);
        });
    });

    cancels.forEach(function (el) {
      el.addEventListener('click', function (e) {
        if (!running) return;
        e.preventDefault();
        running.abort();
      });
    });
  });
})();
