/* Home-page map: grids (or coarser areas) of the current region from the scoped GeoJSON view.
 * Base-map tiles only when the deployment configured a tile URL; otherwise the polygons are
 * drawn on a plain background, which is enough to see where the grids are. */
(function () {
  "use strict";
  var el = document.getElementById("grid-map");
  if (!el || !window.L) return;
  var note = document.getElementById("grid-map-note");
  var data = el.dataset;

  var map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(data.tileUrl) });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 18 }).addTo(map);
  } else {
    el.classList.add("map-plain");
  }
  map.setView([35, 105], 4);

  function say(text) {
    if (note) note.textContent = text;
  }

  function drillTo(code) {
    window.location.href = data.homeUrl + "?region=" + encodeURIComponent(code);
  }

  fetch(data.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(function (fc) {
      var bounds = L.latLngBounds([]);
      if (fc.boundary && fc.boundary.geometry) {
        var outline = L.geoJSON(fc.boundary, {
          interactive: false,
          style: { color: "#1a4f8b", weight: 2, dashArray: "6 4", fill: false },
        }).addTo(map);
        bounds.extend(outline.getBounds());
      }
      var areas = L.geoJSON(fc, {
        style: { color: "#c0392b", weight: 1.5, fillColor: "#e8a33d", fillOpacity: 0.18 },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindTooltip(p.name + " " + p.code, { sticky: true });
          layer.on("click", function () { drillTo(p.code); });
          layer.on("mouseover", function () { layer.setStyle({ fillOpacity: 0.4 }); });
          layer.on("mouseout", function () { areas.resetStyle(layer); });
        },
      }).addTo(map);
      if (fc.features.length) bounds.extend(areas.getBounds());
      if (fc.outlines && fc.outlines.length) {
        L.geoJSON({ type: "FeatureCollection", features: fc.outlines }, {
          interactive: false,
          style: { color: "#1a4f8b", weight: 2.5, fill: false },
        }).addTo(map);
      }

      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [16, 16] });
      } else if (fc.centroid) {
        map.setView([fc.centroid[1], fc.centroid[0]], 13);
      }
      var notes = [];
      if (!fc.features.length) notes.push(data.msgEmpty);
      if (fc.feature_level !== "grid") notes.push(data.msgCoarse);
      if (fc.truncated) notes.push(data.msgTruncated);
      say(notes.join(" "));
    })
    .catch(function () {
      say(data.msgError);
    });
})();
