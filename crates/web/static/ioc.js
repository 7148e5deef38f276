// Operations-centre dashboard. Listens to /api/v1/ioc/events (Server-Sent Events): the browser's EventSource
// reconnects by itself and sends Last-Event-ID, so the server replays what was missed; a "resync" event (or a
// reconnect) reloads everything. Repeated events are ignored by id. On a change the page refreshes, in place, the
// tiles (/ioc/chi-so), the alarm queue (/ioc/hang-doi; not while the operator is typing in it) and the map layer the
// change belongs to; `sensing.readings` nudges (new sensor readings) refresh the figures and the sensor layers. Every part is server-rendered first, so the page is useful without this script.
(function () {
  'use strict';
  var list = document.getElementById('live-events');
  var status = document.getElementById('live-status');
  if (!list || !status) return;
  var HUE = [16.4637, 107.5909];
  var seen = new Set();
  var timers = {};

  // Runs fn once, `delay` ms after the last of a burst of calls.
  function debounce(key, delay, fn) {
    if (timers[key]) clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { timers[key] = null; fn(); }, delay);
  }

  // `keep(old)` may refuse the swap at the last moment (the operator has just moved into the element).
  function replaceFrom(url, id, keep) {
    fetch(url, { credentials: 'same-origin', headers: { 'HX-Request': 'true' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById(id);
        var old = document.getElementById(id);
        if (!fresh || !old || (keep && keep(old))) return;
        old.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      })
      .catch(function () {});
  }

  function refreshTiles() {
    debounce('tiles', 400, function () { replaceFrom('/ioc/chi-so', 'ioc-tiles'); });
  }

  // The queue is not replaced under an operator's fingers: a refresh waits until focus leaves it.
  var queuePending = false;
  function busy(queue) {
    if (queue && queue.contains(document.activeElement) && document.activeElement !== document.body) {
      queuePending = true;
      return true;
    }
    return false;
  }
  function refreshQueue() {
    if (busy(document.getElementById('alarm-queue'))) return;
    // Checked again when the fresh queue arrives: focus may have moved in meanwhile.
    debounce('queue', 300, function () { replaceFrom('/ioc/hang-doi', 'alarm-queue', busy); });
  }
  document.addEventListener('focusout', function () {
    setTimeout(function () {
      var queue = document.getElementById('alarm-queue');
      if (queuePending && queue && !queue.contains(document.activeElement)) {
        queuePending = false;
        refreshQueue();
      }
    }, 0);
  });

  // ---- map ----------------------------------------------------------------------------------------------------
  var mapEl = document.getElementById('ioc-map');
  var map = null;
  var layers = {};
  var counts = {};

  function showCount() {
    var total = 0;
    Object.keys(counts).forEach(function (k) { if (map && layers[k] && map.hasLayer(layers[k])) total += counts[k]; });
    var el = document.getElementById('map-count');
    if (el) el.textContent = total + ' ' + (mapEl.dataset.countLabel || '');
    mapEl.dataset.points = String(total);
  }

  function popup(p) {
    var box = document.createElement('div');
    var a = document.createElement('a');
    a.href = p.url || '#';
    a.textContent = p.label || p.code || p.id;
    box.appendChild(a);
    return box;
  }

  function loadLayer(key) {
    if (!map || !window.L) return;
    fetch('/api/v1/ioc/map/' + key, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var group = layers[key];
        group.clearLayers();
        L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            var p = f.properties || {};
            return L.circleMarker(latlng, {
              radius: key === 'reports' ? 6 : 8, color: p.colour || '#333', weight: 2,
              fillColor: p.colour || '#333', fillOpacity: key === 'reports' ? 0.55 : 0.85,
            });
          },
          style: function (f) {
            var c = (f.properties && f.properties.colour) || '#a1161b';
            return { color: c, weight: 2, fillColor: c, fillOpacity: 0.18, dashArray: '4 3' };
          },
          onEachFeature: function (f, layer) {
            var p = f.properties || {};
            layer.bindTooltip(String(p.label || ''));
            layer.bindPopup(popup(p));
            if (layer.getElement && p.id) layer.on('add', function () {
              var el = layer.getElement();
              if (el) { el.setAttribute('data-id', p.id); el.setAttribute('data-layer', key); }
            });
          },
        }).eachLayer(function (l) { group.addLayer(l); });
        counts[key] = data.features.length;
        mapEl.setAttribute('data-' + key, String(data.features.length));
        showCount();
      })
      .catch(function () {});
  }

  if (mapEl && window.L) {
    map = L.map(mapEl, { scrollWheelZoom: false }).setView(HUE, 12);
    var tiles = mapEl.getAttribute('data-tiles');
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: '© OpenStreetMap' }).addTo(map);
    // Ward outlines from the platform itself (the map works with no tile server); a click opens the ward's page.
    fetch('/phan-anh/ranh-gioi.geojson').then(function (r) { return r.json(); }).then(function (data) {
      L.geoJSON(data, {
        style: { color: '#5b2a86', weight: 1, fillOpacity: 0.03 },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(String(f.properties.name));
          layer.on('click', function () { window.location.href = '/ioc/phuong/' + encodeURIComponent(f.properties.code); });
        },
      }).addTo(map).bringToBack();
    }).catch(function () {});
    document.querySelectorAll('#map-layers input[name="layer"]').forEach(function (box) {
      var key = box.value;
      layers[key] = L.layerGroup();
      if (box.checked) layers[key].addTo(map);
      loadLayer(key);
      box.addEventListener('change', function () {
        if (box.checked) layers[key].addTo(map); else map.removeLayer(layers[key]);
        showCount();
      });
    });
  }

  function refreshLayers(topic) {
    if (!map) return;
    var keys = [];
    if (topic.indexOf('report.') === 0) keys.push('reports');
    if (topic.indexOf('alarm.') === 0) keys.push('rivers', 'devices');
    if (topic === 'sensing.readings') keys.push('air', 'rivers', 'devices');
    if (topic.indexOf('warning.') === 0 || topic.indexOf('portal.warning') === 0) keys.push('warnings');
    keys.forEach(function (k) { if (layers[k]) debounce('layer-' + k, 300, function () { loadLayer(k); }); });
  }

  // ---- live feed ----------------------------------------------------------------------------------------------
  function describe(e) {
    var d = e.data || {};
    var parts = [e.topic];
    if (d.code) parts.push(d.code);
    if (d.report_id) parts.push('#' + String(d.report_id).slice(-8));
    if (d.alarm_id) parts.push('#' + String(d.alarm_id).slice(-8));
    if (d.severity) parts.push(d.severity);
    if (d.status) parts.push('→ ' + d.status);
    return parts.join(' ');
  }

  function show(e) {
    if (seen.has(e.id)) return false;
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
    return true;
  }

  function refreshAll() {
    refreshTiles();
    refreshQueue();
    Object.keys(layers).forEach(function (k) { loadLayer(k); });
  }

  if (!window.EventSource) return;
  var source = new EventSource('/api/v1/ioc/events');
  var wasLost = false;
  source.addEventListener('open', function () {
    status.textContent = status.dataset.live;
    status.classList.remove('error');
    // After a drop the server replays what it still holds; figures are reloaded in any case.
    if (wasLost) refreshAll(); else refreshTiles();
    wasLost = false;
  });
  source.addEventListener('error', function () {
    status.textContent = status.dataset.lost;
    status.classList.add('error');
    wasLost = true;
  });
  source.addEventListener('change', function (m) {
    var e;
    try { e = JSON.parse(m.data); } catch (err) { return; }
    // New readings (at most one nudge a second) refresh figures and map, without filling the list of changes.
    if (e.topic === 'sensing.readings') {
      if (seen.has(e.id)) return;
      seen.add(e.id);
      refreshTiles();
      refreshLayers(e.topic);
      return;
    }
    if (!show(e)) return;
    refreshTiles();
    if (e.topic.indexOf('alarm.') === 0) refreshQueue();
    refreshLayers(e.topic);
  });
  source.addEventListener('resync', refreshAll);
})();
