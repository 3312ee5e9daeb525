/*
 * 我要反映: the map picker (click to set the point, GPS, manual entry), the photo checks
 * before upload, and one submit per tap. The server checks everything again; without
 * JavaScript the form still works with the address (or typed coordinates).
 * Base-map tiles only when the deployment set PINGAN_MAP_TILE_URL; otherwise the county
 * outlines are drawn on a plain background.
 */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) return;
  const lat = document.getElementById("id_lat");
  const lng = document.getElementById("id_lng");
  const status = document.getElementById("locate-status");
  const locate = document.getElementById("locate");
  const mapEl = document.getElementById("p-map");
  let map = null;
  let marker = null;
  const tiled = Boolean(mapEl && mapEl.dataset.tileUrl);

  function say(text) { status.textContent = text || ""; }

  function readPoint() {
    const a = Number(lat.value), b = Number(lng.value);
    if (lat.value.trim() === "" || lng.value.trim() === "") return null;
    if (!isFinite(a) || !isFinite(b) || a < -90 || a > 90 || b < -180 || b > 180) return null;
    return [a, b];
  }

  function place(point, zoom) {
    if (!map) return;
    if (!point) {
      if (marker) { map.removeLayer(marker); marker = null; }
      return;
    }
    if (marker) marker.setLatLng(point);
    else marker = L.marker(point, { draggable: true }).addTo(map).on("dragend", function () {
      setPoint(marker.getLatLng().lat, marker.getLatLng().lng, false);
    });
    // Zoom in only over a base map; on the plain outline map a close view shows nothing.
    if (zoom && tiled) map.setView(point, Math.max(map.getZoom(), zoom));
    else if (!map.getBounds().contains(point)) map.panTo(point);
  }

  function setPoint(a, b, zoom) {
    lat.value = a.toFixed(6);
    lng.value = b.toFixed(6);
    place([a, b], zoom ? 16 : 0);
    say("已选位置：纬度 " + lat.value + "，经度 " + lng.value + "（可拖动标记微调）");
  }

  if (window.L && mapEl) {
    mapEl.hidden = false;
    const data = mapEl.dataset;
    map = L.map(mapEl, { zoomSnap: 0.5, attributionControl: Boolean(data.tileUrl) });
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
    } else {
      mapEl.classList.add("plain");
    }
    map.setView([35, 105], 4);
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, false); });
    fetch(data.counties, { headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (fc) {
        const drawn = fc.features.filter(function (f) { return f.geometry; });
        if (drawn.length) {
          const layer = L.geoJSON({ type: "FeatureCollection", features: drawn }, {
            style: { color: "#1d5fa8", weight: 2, fillColor: "#1d5fa8", fillOpacity: 0.06 },
            interactive: false,
          }).addTo(map);
          map.fitBounds(layer.getBounds(), { padding: [10, 10] });
        } else if (fc.centroid) {
          map.setView([fc.centroid[1], fc.centroid[0]], 11);
        }
        const point = readPoint();
        if (point) place(point, 15);
      })
      .catch(function () {
        const point = readPoint();
        if (point) place(point, 15);
      });
    if (!data.tileUrl) say("点击地图上的位置（蓝线为县界；未接入底图时可配合定位或手动填写地址）。");
  }

  if (navigator.geolocation && locate) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say("正在定位…");
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          setPoint(pos.coords.latitude, pos.coords.longitude, true);
          say(status.textContent + "，精度约 " + Math.round(pos.coords.accuracy) + " 米。");
        },
        function (err) {
          const reasons = { 1: "未允许定位权限", 2: "暂时无法获取位置", 3: "定位超时" };
          say((reasons[err.code] || "定位失败") + "，请在地图上点选位置或填写地址。");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  [lat, lng].forEach(function (input) {
    input.addEventListener("change", function () { place(readPoint(), 15); });
  });
  document.getElementById("clear-point").addEventListener("click", function () {
    lat.value = "";
    lng.value = "";
    place(null);
    say("已清除位置。");
  });

  const photos = document.getElementById("id_photos");
  const photosStatus = document.getElementById("photos-status");
  const hint = photosStatus.textContent;
  const maxPhotos = Number(form.dataset.maxPhotos);
  const maxBytes = Number(form.dataset.maxBytes);
  const allowed = ["image/jpeg", "image/png", "image/webp"];

  function photoProblem() {
    const files = Array.prototype.slice.call(photos.files || []);
    if (files.length > maxPhotos) return "最多上传 " + maxPhotos + " 张照片。";
    for (let i = 0; i < files.length; i++) {
      if (files[i].size > maxBytes) return "第 " + (i + 1) + " 张照片太大（不超过 " + Math.floor(maxBytes / 1048576) + " MB）。";
      if (files[i].type && allowed.indexOf(files[i].type) < 0) return "第 " + (i + 1) + " 张不是 JPEG、PNG 或 WebP 图片。";
    }
    return "";
  }

  photos.addEventListener("change", function () {
    const problem = photoProblem();
    photosStatus.textContent = problem || (photos.files.length ? "已选择 " + photos.files.length + " 张照片。" : hint);
    photosStatus.className = problem ? "p-error" : "p-hint";
  });

  const submit = document.getElementById("report-submit");
  form.addEventListener("submit", function (event) {
    const problem = photoProblem();
    if (problem) {
      event.preventDefault();
      photosStatus.textContent = problem;
      photosStatus.className = "p-error";
      photos.focus();
      return;
    }
    if (submit.disabled) { event.preventDefault(); return; }
    // One tap, one report (the server also keeps one case per form token).
    submit.disabled = true;
    submit.textContent = "正在提交…";
  });
  window.addEventListener("pageshow", function () { submit.disabled = false; submit.textContent = "提交"; });
})();
