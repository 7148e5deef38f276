// Operations-centre dashboard: listens to /api/v1/ioc/events (Server-Sent Events). The browser's
// EventSource reconnects by itself and sends Last-Event-ID, so the server replays what was missed;
// a "resync" event (or a reconnect) reloads the figures. Repeated events are ignored by id.
(function () {
  'use strict';
  var list = document.getElementById('live-events');
  var status = document.getElementById('live-status');
  if (!list || !status || !window.EventSource) return;
  var seen = new Set();
  var refreshTimer = null;

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  function refreshTiles() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      fetch('/api/v1/ioc/summary', { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          setText('tile-received-today', s.dossiers.received_today);
          setText('tile-open', s.dossiers.open);
          setText('tile-overdue', s.dossiers.overdue);
          setText('tile-on-time', s.dossiers.on_time_rate_month == null ? 'N/A' : s.dossiers.on_time_rate_month + ' %');
          document.dispatchEvent(new CustomEvent('ioc:summary', { detail: s }));
        })
        .catch(function () {});
    }, 500);
  }

  function describe(e) {
    var d = e.data || {};
    var parts = [e.topic];
    if (d.code) parts.push(d.code);
    if (d.report_id) parts.push('#' + d.report_id.slice(0, 8));
    if (d.status) parts.push('→ ' + d.status);
    return parts.join(' ');
  }

  function show(e) {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    var empty = document.getElementById('live-empty');
    if (empty) empty.remove();
    var li = document.createElement('li');
    li.className = 'live-event';
    li.dataset.topic = e.topic;
    var time = document.createElement('time');
    time.dateTime = e.at;
    time.textContent = new Date(e.at).toLocaleTimeString(document.documentElement.lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
    li.appendChild(time);
    li.appendChild(document.createTextNode(' ' + describe(e)));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
    document.dispatchEvent(new CustomEvent('ioc:change', { detail: e }));
  }

  var source = new EventSource('/api/v1/ioc/events');
  source.addEventListener('open', function () {
    status.textContent = status.dataset.live;
    status.classList.remove('error');
    refreshTiles();
  });
  source.addEventListener('error', function () {
    status.textContent = status.dataset.lost;
    status.classList.add('error');
  });
  source.addEventListener('change', function (m) {
    try { show(JSON.parse(m.data)); } catch (err) { return; }
    refreshTiles();
  });
  source.addEventListener('resync', refreshTiles);
})();
