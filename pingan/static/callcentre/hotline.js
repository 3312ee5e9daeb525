/* Hotline page: pick the caller's point on the map (fills the form's lng/lat and asks htmx
 * for duplicate hints), grid outlines of the operator's scope, "定位到地图" from *180. */
(function () {
  "use strict";
  var el = document.getElementById("hotline-map");
  if (!el || !window.L) return;
  var data = el.dataset;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(data.tileUrl) });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 18 }).addTo(map);
  } else {
    el.classList.add("map-plain");
  }
  map.setView([35, 105], 4);
  var marker = null;

  function field(id) { return document.getElementById(id); }
  function setPoint(lat, lng, pan) {
    var latlng = L.latLng(lat, lng);
    if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
    if (pan) map.setView(latlng, Math.max(map.getZoom(), 15));
    if (field("f-lng")) field("f-lng").value = lng.toFixed(6);
    if (field("f-lat")) field("f-lat").value = lat.toFixed(6);
    document.body.dispatchEvent(new CustomEvent("hotline:point"));
  }
  function clearPoint() {
    if (marker) { map.removeLayer(marker); marker = null; }
  }
  function syncFromForm(pan) {
    var lng = parseFloat((field("f-lng") || {}).value);
    var lat = parseFloat((field("f-lat") || {}).value);
    if (isFinite(lng) && isFinite(lat)) setPoint(lat, lng, Boolean(pan)); else clearPoint();
  }

  fetch(data.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        interactive: false,
        style: { color: "#1a4f8b", weight: 1, fillColor: "#1a4f8b", fillOpacity: 0.04 },
      }).addTo(map);
      if (fc.features.length) map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      syncFromForm(false);
    })
    .catch(function () { /* outlines are context only */ });

  map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, false); });
  document.addEventListener("change", function (e) {
    // Coordinates typed in (or read out by the caller): show them on the map.
    if (e.target && (e.target.id === "f-lng" || e.target.id === "f-lat")) syncFromForm(true);
  });
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-locate-lng]");
    if (btn) {
      setPoint(parseFloat(btn.getAttribute("data-locate-lat")), parseFloat(btn.getAttribute("data-locate-lng")), true);
      return;
    }
    if (e.target.id === "call-reset") setTimeout(function () { syncFromForm(false); }, 0);
  });
  // A new (or refused) form came back from the server: follow its point.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "call") return;
    syncFromForm(false);
    if (document.getElementById("call-result")) {
      // Registered: the side panels belonged to that call; start the next one clean.
      var contacts = document.getElementById("contacts");
      if (contacts) contacts.innerHTML = "";
      if (field("f-grid")) field("f-grid").value = "";
      document.body.dispatchEvent(new CustomEvent("hotline:reset"));
    }
  });
  // The form is swapped as a whole on submit: let 400 (field errors) swap in too.
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 400) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
})();
