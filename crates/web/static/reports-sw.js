// Service worker of the reporting app (/phan-anh): pages network-first with the cached copy
// offline, static assets and ward outlines cache-first. Drafts themselves live in IndexedDB and
// are sent by /static/reports.js, one idempotency key per draft. A new CACHE name drops the old shell.
"use strict";
var CACHE = "phan-anh-v2";
var SHELL = [
  "/phan-anh", "/static/app.css", "/static/app.js", "/static/htmx.min.js", "/static/maps.js", "/static/reports.js",
  "/static/leaflet.js", "/static/leaflet.css", "/static/leaflet-marker-icon.png",
  "/static/leaflet-marker-icon-2x.png", "/static/leaflet-marker-shadow.png", "/phan-anh/ranh-gioi.geojson"
];
self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    e.respondWith(fetch(req).then(function (res) {
      if (res.ok && url.pathname === "/phan-anh") {
        var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put("/phan-anh", copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(req).then(function (hit) { return hit || caches.match("/phan-anh"); });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/phan-anh/ranh-gioi.geojson") {
    e.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
  }
});
