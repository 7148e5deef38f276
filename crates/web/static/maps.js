// The platform's base map, shared by every page with a map (reports, heritage places): Leaflet (vendored) on the
// configured tile server when there is one, and always the ward outlines the platform serves itself, so a map is
// usable offline or with no tile server at all. Pages keep their facts in HTML too (coordinates, lists).
(function () {
  "use strict";
  var HUE = [16.4637, 107.5909];

  /**
   * A Leaflet map in `el` centred on `center` (default: Huế) at `zoom`; tiles from `data-tiles` on `el` or its form.
   * With `quietOutlines`, the ward outlines sit behind everything and take no pointer events (maps whose own shapes
   * carry the meaning); otherwise each outline names its ward on hover.
   */
  function base(el, center, zoom, quietOutlines) {
    var map = L.map(el, { scrollWheelZoom: false }).setView(center || HUE, zoom || 13);
    L.Icon.Default.prototype.options.imagePath = "/static/leaflet-";
    var tiles = el.getAttribute("data-tiles") || (el.closest("form") && el.closest("form").getAttribute("data-tiles"));
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    }
    fetch("/phan-anh/ranh-gioi.geojson").then(function (r) { return r.json(); }).then(function (data) {
      var style = { color: "#5b2a86", weight: 1, fillOpacity: 0.04 };
      if (quietOutlines) {
        L.geoJSON(data, { style: style, interactive: false }).addTo(map).bringToBack();
      } else {
        L.geoJSON(data, {
          style: style,
          onEachFeature: function (f, layer) { layer.bindTooltip(String(f.properties.name)); }
        }).addTo(map);
      }
    }).catch(function () {});
    return map;
  }

  window.SmartCityMap = { HUE: HUE, base: base };

  // A heritage or tourism place: its pin, with the name in the marker's tooltip.
  var place = document.getElementById("place-map");
  if (place && window.L) {
    var at = [parseFloat(place.getAttribute("data-lat")), parseFloat(place.getAttribute("data-lon"))];
    var map = base(place, at, 16);
    L.marker(at, { keyboard: true, title: place.getAttribute("data-name") || "" }).addTo(map)
      .bindTooltip(place.getAttribute("data-name") || "");
  }
})();
