// The environment page's map (on the shared base map of maps.js): air stations coloured by their AQI band (circles) and river gauges by the alarm
// level the water stands at (squares), read from the list under the map, which the server renders and which stays
// the way to read the same points without JavaScript, a mouse or sight. Ward outlines come from the platform, so
// the map still shows where things are when no tile server is configured or reachable.
(function () {
  "use strict";
  var el = document.getElementById("env-map");
  if (!el || typeof L === "undefined" || !window.SmartCityMap) { return; }
  var map = window.SmartCityMap.base(el, window.SmartCityMap.HUE, 11, true);
  var bounds = [];
  document.querySelectorAll("#env-map-points li").forEach(function (li) {
    var lat = parseFloat(li.getAttribute("data-lat")), lon = parseFloat(li.getAttribute("data-lon"));
    if (!isFinite(lat) || !isFinite(lon)) { return; }
    var colour = li.getAttribute("data-colour");
    var style = { radius: 9, color: "#1b1b1b", weight: 1.5, fillColor: colour, fillOpacity: 0.9 };
    var marker;
    if (li.getAttribute("data-kind") === "gauge") {
      var d = 0.004;
      marker = L.rectangle([[lat - d, lon - d], [lat + d, lon + d]], style);
    } else {
      marker = L.circleMarker([lat, lon], style);
    }
    marker.bindTooltip(li.textContent.trim()).addTo(map);
    bounds.push([lat, lon]);
  });
  if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 }); }
  el.setAttribute("data-points", String(bounds.length));
})();
