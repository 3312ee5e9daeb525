/* Command-centre map: open events in scope as points coloured by lateness, over the grid
 * outlines of the scope (from /map/grids.geojson). Data views are scoped on the server. */
(function () {
  "use strict";
  var el = document.getElementById("event-map");
  if (!el || !window.L) return;
  var data = el.dataset;
  var note = document.getElementById("event-map-note");
  var COLORS = { red: "#d32f2f", yellow: "#f9a825", green: "#2e7d32", paused: "#90a4ae", "": "#ffffff" };

  var map = L.map(el, { zoomSnap: 0.25, preferCanvas: true, attributionControl: Boolean(data.tileUrl) });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 18 }).addTo(map);
  } else {
    el.classList.add("map-plain");
  }
  map.setView([35, 105], 4);
  var bounds = L.latLngBounds([]);

  function say(text) { if (note) note.textContent = text; }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var grids = getJSON(data.gridsUrl).then(function (fc) {
    var layer = L.geoJSON(fc, {
      interactive: false,
      style: { color: "#1a4f8b", weight: 1, fillColor: "#1a4f8b", fillOpacity: 0.04 },
    }).addTo(map);
    if (fc.features.length) bounds.extend(layer.getBounds());
  }).catch(function () { /* outlines are context only */ });

  var events = getJSON(data.eventsUrl).then(function (fc) {
    var layer = L.geoJSON(fc, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          radius: 6, weight: 1, color: "#333", fillOpacity: 0.9,
          fillColor: COLORS[feature.properties.light] || COLORS[""],
        });
      },
      onEachFeature: function (feature, marker) {
        var p = feature.properties;
        marker.bindPopup(
          '<a href="' + escapeHtml(p.url) + '">' + escapeHtml(p.number) + "</a><br>" +
          escapeHtml(p.title) + "<br>" + escapeHtml(p.state_label) +
          (p.due_at ? "<br>" + escapeHtml(p.due_at.slice(0, 16).replace("T", " ")) : "")
        );
      },
    }).addTo(map);
    if (fc.features.length) bounds.extend(layer.getBounds());
    say(data.msgCount.replace("{n}", fc.count) + (fc.truncated ? " " + data.msgTruncated : ""));
  }).catch(function () { say(data.msgFailed); });

  Promise.all([grids, events]).then(function () {
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
  });
})();
