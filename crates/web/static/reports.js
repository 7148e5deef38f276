// Field reports in the browser: the map pin, "use my location", nearby reports, the public map,
// and the offline drafts of the installable reporting app. Every page still works without it
// (coordinates and the address can be typed; the list under the map is server-rendered).
(function () {
  "use strict";
  var HUE = window.SmartCityMap.HUE;
  var baseMap = function (el) { return window.SmartCityMap.base(el); };

  // ---- reporting page ---------------------------------------------------------------------------------------------
  var form = document.getElementById("report-form");
  if (form) {
    var lat = document.getElementById("lat"), lon = document.getElementById("lon");
    var status = document.getElementById("offline-status");
    var marker = null, map = null;
    function say(text) { status.hidden = false; status.textContent = text; }
    function pinMoved() { document.body.dispatchEvent(new Event("pin-moved")); }
    function setPin(latlng, pan) {
      lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
      if (map) {
        if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: true }).addTo(map); }
        if (pan) { map.setView(latlng, 17); }
      }
      pinMoved();
    }
    if (window.L) {
      map = baseMap(document.getElementById("report-map"));
      map.on("click", function (e) { setPin(e.latlng, false); });
      if (lat.value && lon.value) { setPin(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), true); }
    }
    document.getElementById("use-location").addEventListener("click", function () {
      if (!navigator.geolocation) { say(form.getAttribute("data-msg-geo-failed")); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPin(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
      }, function () { say(form.getAttribute("data-msg-geo-failed")); }, { enableHighAccuracy: true, timeout: 15000 });
    });

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/phan-anh/sw.js", { scope: "/phan-anh" }).catch(function () {});
    }

    // Offline drafts: kept in IndexedDB with their photos and idempotency key, sent once online.
    function db() {
      return new Promise(function (ok, fail) {
        var req = indexedDB.open("phan-anh", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("drafts", { keyPath: "key" }); };
        req.onsuccess = function () { ok(req.result); };
        req.onerror = function () { fail(req.error); };
      });
    }
    function store(mode, fn) {
      return db().then(function (d) {
        return new Promise(function (ok, fail) {
          var tx = d.transaction("drafts", mode); var out = fn(tx.objectStore("drafts"));
          tx.oncomplete = function () { ok(out && out.result); }; tx.onerror = function () { fail(tx.error); };
        });
      });
    }
    function saveDraft() {
      var fields = {}, files = [];
      new FormData(form).forEach(function (v, k) {
        if (v instanceof Blob) { if (v.size) files.push({ name: v.name || "anh.jpg", blob: v }); } else { fields[k] = v; }
      });
      return store("readwrite", function (s) { return s.put({ key: fields.idempotency_key, fields: fields, files: files, at: Date.now() }); });
    }
    var sending = false;
    function sendDrafts() {
      if (sending || !navigator.onLine || !window.indexedDB) return;
      sending = true;
      store("readonly", function (s) { return s.getAll(); }).then(function (drafts) {
        return (drafts || []).reduce(function (chain, d) {
          return chain.then(function () {
            var body = new FormData();
            Object.keys(d.fields).forEach(function (k) { body.append(k, d.fields[k]); });
            d.files.forEach(function (f) { body.append("photos", f.blob, f.name); });
            var url = "/phan-anh?_csrf=" + encodeURIComponent(form.getAttribute("data-csrf"));
            return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
              // Sent (or refused for good): the draft is done. A server error keeps it for later.
              if (r.status < 500 && r.status !== 409) {
                return store("readwrite", function (s) { return s.delete(d.key); }).then(function () {
                  if (r.ok) { say(form.getAttribute("data-msg-sent") + " " + r.url); }
                });
              }
            });
          });
        }, Promise.resolve());
      }).catch(function () {}).then(function () { sending = false; });
    }
    form.addEventListener("submit", function (e) {
      if (navigator.onLine || !window.indexedDB) return;
      e.preventDefault();
      saveDraft().then(function () {
        say(form.getAttribute("data-msg-offline"));
        form.reset();
        document.getElementById("idempotency-key").value = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
        if (marker) { map.removeLayer(marker); marker = null; }
      });
    });
    window.addEventListener("online", sendDrafts);
    sendDrafts();
  }

  // ---- public map ------------------------------------------------------------------------------------------------
  var el = document.getElementById("public-map");
  if (el && window.L) {
    var pub = baseMap(el);
    var layer = L.layerGroup().addTo(pub);
    var source = el.getAttribute("data-geojson");
    function load() {
      var b = pub.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
      fetch(source + "&bbox=" + bbox).then(function (r) { return r.json(); }).then(function (data) {
        layer.clearLayers();
        (data.features || []).forEach(function (f) {
          var c = f.geometry.coordinates, p = f.properties;
          var popup = document.createElement("div");
          var a = document.createElement("a"); a.href = p.url; a.textContent = p.code + " — " + p.category_name;
          var s = document.createElement("div"); s.textContent = p.status_label;
          popup.appendChild(a); popup.appendChild(s);
          L.circleMarker([c[1], c[0]], { radius: 7, color: p.open ? "#a1161b" : "#1e6b34", fillOpacity: 0.7 })
            .bindPopup(popup).addTo(layer);
        });
      }).catch(function () {});
    }
    pub.on("moveend", load);
    load();
  }
})();
