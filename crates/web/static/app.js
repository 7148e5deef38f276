// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // "Use my location" fills the latitude/longitude fields of the ward finder.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-use-location]");
    if (!button || !navigator.geolocation) return;
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(function (pos) {
      var form = button.closest("form");
      form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(5);
      form.querySelector("[name=lon]").value = pos.coords.longitude.toFixed(5);
    });
  });
})();
