/*
 * 我的网格 mini-map: the worker's grid polygons and the open events in them
 * (GET /api/v1/mobile/map/, cached by the service worker for offline use). Base-map tiles only
 * when the deployment configured a tile URL; without tiles the grids are drawn on a plain
 * background, which is enough to see the grid's shape and where the events are.
 */
(function () {
  "use strict";
  const el = document.getElementById("grid-map");
  const note = document.getElementById("grid-map-note");
  if (!el) return;
  function say(text) { if (note) note.textContent = text; }
  if (!window.L) { say("地图组件未能加载。"); return; }
  const data = el.dataset;
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(data.tileUrl) });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("map-plain");
  }
  map.setView([35, 105], 4);

  function popup(p) {
    const box = document.createElement("div");
    const strong = document.createElement("strong");
    strong.textContent = p.title;
    box.appendChild(strong);
    const line = document.createElement("div");
    line.textContent = p.number + " · " + p.state_label + (p.overdue ? " · 已超期" : "");
    box.appendChild(line);
    return box;
  }

  fetch(data.url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(function (fc) {
      const grids = fc.features.filter(function (f) { return f.properties.kind === "grid" && f.geometry; });
      const events = fc.features.filter(function (f) { return f.properties.kind === "event"; });
      const bounds = L.latLngBounds([]);
      if (grids.length) {
        const layer = L.geoJSON({ type: "FeatureCollection", features: grids }, {
          style: { color: "#1f6f50", weight: 2, fillColor: "#1f6f50", fillOpacity: 0.12 },
          onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); },
        }).addTo(map);
        bounds.extend(layer.getBounds());
      }
      events.forEach(function (f) {
        const c = f.geometry.coordinates;
        const marker = L.circleMarker([c[1], c[0]], {
          radius: 7,
          color: "#fff",
          weight: 2,
          fillColor: f.properties.overdue ? "#b42318" : "#f79009",
          fillOpacity: 1,
        }).addTo(map);
        marker.bindPopup(popup(f.properties));
        bounds.extend(marker.getLatLng());
      });
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [14, 14], maxZoom: 17 });
      const notes = [];
      if (!grids.length) notes.push("网格没有登记边界。");
      notes.push(events.length ? "未办结事件 " + events.length + " 件。" : "网格内没有未办结事件。");
      if (fc.truncated) notes.push("事件较多，只显示最近的部分。");
      say(notes.join(""));
    })
    .catch(function () {
      say("地图数据加载失败（离线且没有缓存）。");
    });
})();
