/* The map page: the bays of /v1/tiles coloured by whether the chosen driver may park at the chosen time, the zones
   outlined, a bay's rules, day and free spaces on click, and (with a council key) usage layers from /v1/usage.
   Every request goes to this service: no base map unless one is configured, no glyphs, no fonts. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("map-config").textContent);
  const ORIGIN = window.location.origin;
  const TZ = config.timezone;
  const COLOURS = { free: "#1a9850", paid: "#2166ac", no: "#d7301f", suspended: "#6a6a6a", none: "#bdbdbd" };
  const BAY_LAYERS = ["bays-fill", "bays-line", "bays-point"];
  const $ = (id) => document.getElementById(id);

  // --- the chosen time, as the authority's local wall-clock time (the API reads a time without offset so) ---

  function localNow() {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date());
    const get = (type) => parts.find((p) => p.type === type).value;
    return { date: `${get("year")}-${get("month")}-${get("day")}`, minutes: +get("hour") * 60 + +get("minute") };
  }

  function pad(n) { return String(n).padStart(2, "0"); }
  function clock(minutes) { return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`; }

  const query = new URLSearchParams(window.location.search);
  const start = localNow();
  const asked = /^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d)/.exec(query.get("at") || "");
  $("when-date").value = asked ? asked[1] : start.date;
  $("when-time").value = asked ? String(+asked[2] * 60 + +asked[3] - ((+asked[3]) % 15)) : String(start.minutes - start.minutes % 15);

  function at() {
    return `${$("when-date").value}T${clock(+$("when-time").value)}`;
  }

  function driverQuery() {
    const q = new URLSearchParams();
    for (const permit of $("permit").value.split(",")) {
      if (permit.trim()) q.append("permit", permit.trim());
    }
    if ($("badge").value) q.set("badge", $("badge").value);
    if ($("vehicle").value !== "car") q.set("vehicle", $("vehicle").value);
    if ($("activity").value !== "park") q.set("activity", $("activity").value);
    return q;
  }

  function tileUrl() {
    const q = driverQuery();
    q.set("at", at());
    return `${ORIGIN}/v1/tiles/{z}/{x}/{y}.mvt?${q}`;
  }

  // --- the map ---

  const background = {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#f3f1ec" } }],
  };

  const map = new maplibregl.Map({
    container: "map",
    style: config.style_url || background,
    center: config.center,
    zoom: config.zoom,
    hash: true,
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  window.parkingMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");

  const statusColour = [
    "case",
    ["==", ["get", "suspended"], true], COLOURS.suspended,
    ["!=", ["get", "can_park"], true], COLOURS.no,
    ["==", ["get", "payment_required"], true], COLOURS.paid,
    COLOURS.free,
  ];
  let councilColour = null; // an expression while a council layer is shown

  function bayColour() { return councilColour || statusColour; }

  function addLayers() {
    map.addSource("parking", {
      type: "vector", tiles: [tileUrl()], minzoom: 10, maxzoom: 18,
    });
    map.addLayer({
      id: "zones-fill", type: "fill", source: "parking", "source-layer": "zones",
      paint: { "fill-color": "#5a50a0", "fill-opacity": ["interpolate", ["linear"], ["zoom"], 12, 0.1, 17, 0.04] },
    });
    map.addLayer({
      id: "zones-line", type: "line", source: "parking", "source-layer": "zones",
      paint: { "line-color": "#5a50a0", "line-width": 1.5, "line-dasharray": [3, 2] },
    });
    // the clicked bay, outlined beneath its colour
    map.addLayer({
      id: "selected-line", type: "line", source: "parking", "source-layer": "bays", filter: NOTHING,
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": "#111111", "line-width": ["interpolate", ["linear"], ["zoom"], 14, 6, 17, 13, 19, 22] },
    });
    map.addLayer({
      id: "selected-point", type: "circle", source: "parking", "source-layer": "bays", filter: NOTHING,
      paint: { "circle-color": "#111111", "circle-radius": ["interpolate", ["linear"], ["zoom"], 14, 5, 17, 10, 19, 15] },
    });
    map.addLayer({
      id: "bays-fill", type: "fill", source: "parking", "source-layer": "bays",
      filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": bayColour(), "fill-opacity": 0.8 },
    });
    map.addLayer({
      id: "bays-line", type: "line", source: "parking", "source-layer": "bays",
      filter: ["==", ["geometry-type"], "LineString"],
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": bayColour(), "line-width": ["interpolate", ["linear"], ["zoom"], 14, 2, 17, 7, 19, 14] },
    });
    map.addLayer({
      id: "bays-point", type: "circle", source: "parking", "source-layer": "bays",
      filter: ["==", ["geometry-type"], "Point"],
      paint: {
        "circle-color": bayColour(),
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 14, 2.5, 17, 6, 19, 10],
        "circle-stroke-color": "#ffffff", "circle-stroke-width": 1,
      },
    });
  }

  const NOTHING = ["==", ["get", "ref"], ""];

  function highlight(bay) {
    const filter = bay ? ["all", ["==", ["get", "source"], bay.source], ["==", ["get", "ref"], bay.ref]] : NOTHING;
    map.setFilter("selected-line", ["all", ["!=", ["geometry-type"], "Point"], filter]);
    map.setFilter("selected-point", ["all", ["==", ["geometry-type"], "Point"], filter]);
  }

  function recolour() {
    map.setPaintProperty("bays-fill", "fill-color", bayColour());
    map.setPaintProperty("bays-line", "line-color", bayColour());
    map.setPaintProperty("bays-point", "circle-color", bayColour());
  }

  let refreshTimer = null;
  function refresh() {
    $("when-label").textContent = `${clock(+$("when-time").value)}`;
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => {
      if (map.getSource("parking")) map.getSource("parking").setTiles([tileUrl()]);
      if (selected) showBay(selected);
      if (council.hourly) council.recolourHour();
    }, 150);
  }

  map.on("load", () => {
    addLayers();
    $("when-label").textContent = clock(+$("when-time").value);
    for (const id of ["when-date", "when-time", "permit", "badge", "vehicle", "activity"]) {
      $(id).addEventListener("input", refresh);
      $(id).addEventListener("change", refresh);
    }
  });

  for (const layer of [...BAY_LAYERS, "zones-fill"]) {
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }

  map.on("click", (event) => {
    const box = [[event.point.x - 4, event.point.y - 4], [event.point.x + 4, event.point.y + 4]];
    const bays = map.queryRenderedFeatures(box, { layers: BAY_LAYERS });
    if (bays.length) {
      selected = { source: bays[0].properties.source, ref: bays[0].properties.ref };
      highlight(selected);
      showBay(selected);
      return;
    }
    const zones = map.queryRenderedFeatures(event.point, { layers: ["zones-fill"] });
    if (zones.length) showZone(zones[0].properties);
  });

  // --- what a click shows ---

  let selected = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function time(iso) { return iso ? iso.slice(11, 16) : ""; }

  async function getJson(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body;
  }

  async function showBay(bay) {
    const base = `/v1/bays/${encodeURIComponent(bay.source)}/${encodeURIComponent(bay.ref)}`;
    const q = driverQuery();
    const day = $("when-date").value;
    const next = new Date(`${day}T12:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    const sq = new URLSearchParams(q);
    sq.set("from", `${day}T00:00`);
    sq.set("to", `${next.toISOString().slice(0, 10)}T00:00`);
    q.set("at", at());
    const details = $("details");
    let detail, schedule, availability;
    try {
      [detail, schedule, availability] = await Promise.all([
        getJson(`${base}?${q}`), getJson(`${base}/schedule?${sq}`), getJson(`${base}/availability`),
      ]);
    } catch (error) {
      details.replaceChildren(el("p", `Could not read bay ${bay.ref}: ${error.message}`, "not"));
      return;
    }
    if (!selected || selected.ref !== bay.ref || selected.source !== bay.source) return;
    const p = detail.properties;
    const parts = [el("h2", `${p.type || p.category} · ${p.road || ""}`.trim())];
    parts[0].id = "bay-title";
    parts.push(el("p", `Bay ${p.source}/${p.ref}${p.zone ? `, zone ${p.zone}` : ""}${p.spaces ? `, ${p.spaces} space(s)` : ""}`));
    const status = el("p", null, p.status.can_park ? "yes" : "not");
    status.id = "bay-status";
    status.textContent = `${p.status.can_park ? "You may park" : "You may not park"} at ${clock(+$("when-time").value)}: ${p.status.reason}`;
    parts.push(status);
    parts.push(el("h3", "Rules"));
    const rules = el("ul");
    rules.id = "bay-rules";
    for (const rule of p.regulation.rules) rules.append(el("li", rule.text));
    if (!p.regulation.rules.length) rules.append(el("li", "No restriction"));
    parts.push(rules);
    for (const s of p.suspensions || []) parts.push(el("p", `Suspended ${s.start} to ${s.end}: ${s.reason}`, "not"));
    parts.push(el("h3", `Your day (${day})`));
    const list = el("ul");
    list.id = "bay-schedule";
    for (const i of schedule.intervals) {
      const what = i.suspended ? "suspended" : !i.can_park ? "not allowed" : i.payment_required ? "pay" : "free";
      const limit = i.max_stay ? `, max ${i.max_stay} min` : "";
      list.append(el("li", `${time(i.start)}–${time(i.end) === "00:00" ? "24:00" : time(i.end)} ${what}${limit}: ${i.reason}`));
    }
    parts.push(list);
    parts.push(el("h3", "Free spaces now"));
    const live = el("p");
    live.id = "bay-availability";
    if (availability.availability_status === "live") {
      const simulated = availability.availability_simulated ? " (simulated)" : "";
      live.textContent = `${availability.available_spaces} of ${availability.spaces} free, reported ${time(availability.availability_observed_at)}${simulated}`;
    } else {
      live.textContent = "No live reading: we do not know.";
    }
    parts.push(live);
    if (council.rows) parts.push(...council.bayLines(bay));
    details.replaceChildren(...parts);
  }

  function showZone(props) {
    selected = null;
    highlight(null);
    let hours = {};
    try { hours = JSON.parse(props.hours || "{}"); } catch (error) { hours = {}; }
    const parts = [el("h2", `Zone ${props.sub_zone || props.code}`), el("p", props.name)];
    const list = el("ul");
    for (const [days, label] of [["monday_to_friday", "Mon–Fri"], ["saturday", "Sat"], ["sunday", "Sun"]]) {
      list.append(el("li", `${label}: ${hours[days] ? `controlled ${hours[days]}` : "not controlled"}`));
    }
    parts.push(el("h3", "Controlled hours"), list);
    $("details").replaceChildren(...parts);
  }

  // --- the council's layers: /v1/usage, with a council key ---

  const council = {
    rows: null, hourly: null, csvUrl: null,

    status(text, error) {
      $("council-status").textContent = text;
      $("council-status").className = error ? "error" : "";
    },

    key(row) { return `${row.source}/${row.ref}`; },

    params(granularity) {
      const q = new URLSearchParams();
      q.set("from", $("council-from").value);
      q.set("to", $("council-to").value);
      q.set("granularity", granularity);
      if ($("council-simulated").checked) q.set("include_simulated", "true");
      if (this.zone) q.set("zone", this.zone);
      return q;
    },

    async fetch(path, accept) {
      const response = await fetch(path, {
        headers: { Accept: accept, Authorization: `Bearer ${$("council-key").value.trim()}` },
      });
      if (!response.ok) {
        let detail = response.statusText;
        try { detail = (await response.json()).detail || detail; } catch (error) { /* not JSON */ }
        throw new Error(`${response.status}: ${detail}`);
      }
      return response;
    },

    scale(values, colours) {
      // a step expression over the bay's key, for the values the rows gave; bays without data stay grey
      const pairs = [];
      for (const [key, value] of values) {
        if (value === null || value === undefined) continue;
        let colour = colours[colours.length - 1][1];
        for (const [limit, c] of colours) { if (value <= limit) { colour = c; break; } }
        pairs.push(key, colour);
      }
      if (!pairs.length) return ["literal", COLOURS.none];
      return ["match", ["concat", ["get", "source"], "/", ["get", "ref"]], ...pairs, COLOURS.none];
    },

    legend(items) {
      const legend = $("council-legend");
      legend.replaceChildren(...items.map(([label, colour]) => {
        const li = el("li");
        const swatch = el("span", null, "swatch");
        swatch.style.background = colour;
        li.append(swatch, label);
        return li;
      }));
      legend.hidden = false;
    },

    recolourHour() {
      const day = new Date(`${$("when-date").value}T12:00:00Z`).getUTCDay();
      const hour = Math.floor(+$("when-time").value / 60);
      const values = new Map();
      for (const [key, hours] of this.hourly) {
        const cell = hours.get(`${day}-${hour}`);
        values.set(key, cell ? cell.sum / cell.n : null);
      }
      councilColour = this.scale(values, OCCUPANCY);
      recolour();
      const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
      this.status(`Zone ${this.zone}: occupancy on ${days[day]}s ${pad(hour)}:00–${pad(hour + 1)}:00, averaged over ${$("council-from").value} to ${$("council-to").value} (move the time slider or the day).`);
    },

    async show() {
      const layer = $("council-layer").value;
      if (!$("council-key").value.trim()) { this.status("Enter a council API key first.", true); return; }
      if (!$("council-from").value || !$("council-to").value) { this.status("Choose a date range.", true); return; }
      // hourly rows are many: the occupancy layer is for one zone (the one typed, or the one at the map's centre)
      this.zone = $("council-zone").value.trim() || null;
      if (!this.zone && layer === "occupancy") {
        const centre = map.project(map.getCenter());
        const zones = map.queryRenderedFeatures(centre, { layers: ["zones-fill"] });
        if (!zones.length) { this.status("Type a zone code, or centre the map on a zone.", true); return; }
        this.zone = zones[0].properties.code;
      }
      const granularity = layer === "occupancy" ? "hour" : "total";
      const path = `/v1/usage/bays?${this.params(granularity)}`;
      this.status("Loading…");
      let rows;
      try {
        rows = (await (await this.fetch(path, "application/json")).json()).rows;
      } catch (error) {
        this.status(`Usage could not be read: ${error.message}`, true);
        return;
      }
      this.rows = rows;
      this.hourly = null;
      if (layer === "occupancy") {
        this.hourly = new Map();
        for (const row of rows) {
          if (row.occupancy_percent === null || row.occupancy_percent === undefined) continue;
          const local = new Date(new Date(row.bucket_start).toLocaleString("en-US", { timeZone: TZ }));
          const cellKey = `${local.getDay()}-${local.getHours()}`;
          const hours = this.hourly.get(this.key(row)) || new Map();
          const cell = hours.get(cellKey) || { sum: 0, n: 0 };
          cell.sum += row.occupancy_percent; cell.n += 1;
          hours.set(cellKey, cell);
          this.hourly.set(this.key(row), hours);
        }
        this.recolourHour();
        this.legend(OCCUPANCY.map(([limit, colour], i) => [i === OCCUPANCY.length - 1 ? "over 85 % occupied" : `up to ${limit} % occupied`, colour]).concat([["no data", COLOURS.none]]));
      } else {
        const field = layer === "turnover" ? "turnover" : "overstays";
        const steps = layer === "turnover" ? TURNOVER : OVERSTAYS;
        const values = new Map(rows.map((row) => [this.key(row), row[field]]));
        councilColour = this.scale(values, steps);
        recolour();
        this.legend(steps.map(([limit, colour], i) => [i === steps.length - 1 ? `more than ${steps[i - 1][0]}` : `up to ${limit}`, colour]).concat([["no data", COLOURS.none]]));
        this.status(`${this.zone ? `Zone ${this.zone}: ` : ""}${field === "turnover" ? "Turnover (sessions per space)" : "Overstays"} from ${$("council-from").value} to ${$("council-to").value}: ${rows.length} bays.`);
      }
      try {
        const csv = await (await this.fetch(path, "text/csv")).blob();
        if (this.csvUrl) URL.revokeObjectURL(this.csvUrl);
        this.csvUrl = URL.createObjectURL(csv);
        $("council-csv").href = this.csvUrl;
        $("council-csv").download = `usage-${granularity}-${$("council-from").value}-${$("council-to").value}.csv`;
        $("council-csv").hidden = false;
      } catch (error) {
        $("council-csv").hidden = true;
      }
      if (layer === "overstays") await this.loadOverstays();
    },

    async loadOverstays() {
      const q = new URLSearchParams({ from: $("council-from").value, to: $("council-to").value });
      if ($("council-simulated").checked) q.set("include_simulated", "true");
      if (this.zone) q.set("zone", this.zone);
      try {
        this.overstays = (await (await this.fetch(`/v1/usage/overstays?${q}`, "application/json")).json()).rows || [];
      } catch (error) {
        this.overstays = [];
      }
    },

    bayLines(bay) {
      const parts = [el("h3", "Usage")];
      const rows = this.rows.filter((row) => row.source === bay.source && row.ref === bay.ref);
      const total = rows.reduce((acc, row) => acc + (row.total_sessions || 0), 0);
      parts.push(el("p", `${total} sessions from ${$("council-from").value} to ${$("council-to").value}`));
      for (const o of (this.overstays || []).filter((row) => row.source === bay.source && row.ref === bay.ref).slice(0, 20)) {
        const when = `${o.started_at.slice(0, 10)} ${time(o.started_at)}–${time(o.ended_at)}`;
        parts.push(el("p", `Overstay ${when}, ${Math.round(o.overstay_minutes)} min over (${o.kind}): ${o.rule}`, "not"));
      }
      return parts;
    },

    clear() {
      this.rows = null; this.hourly = null; councilColour = null;
      recolour();
      $("council-legend").hidden = true;
      $("council-csv").hidden = true;
      this.status("");
    },
  };
  const OCCUPANCY = [[25, "#ffffcc"], [50, "#fed976"], [70, "#fd8d3c"], [85, "#e31a1c"], [100, "#800026"]];
  const TURNOVER = [[1, "#eff3ff"], [3, "#bdd7e7"], [6, "#6baed6"], [10, "#3182bd"], [Infinity, "#08519c"]];
  const OVERSTAYS = [[0, "#fee5d9"], [1, "#fcae91"], [3, "#fb6a4a"], [6, "#de2d26"], [Infinity, "#a50f15"]];

  const today = start.date;
  const weekAgo = new Date(`${today}T12:00:00Z`);
  weekAgo.setUTCDate(weekAgo.getUTCDate() - 7);
  const tomorrow = new Date(`${today}T12:00:00Z`);
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  $("council-from").value = weekAgo.toISOString().slice(0, 10);
  $("council-to").value = tomorrow.toISOString().slice(0, 10);
  $("council-show").addEventListener("click", () => council.show());
  $("council-clear").addEventListener("click", () => council.clear());
  getJson("/v1/sources").then((body) => {
    $("attribution").textContent = [...new Set(body.sources.map((s) => s.attribution).filter(Boolean))].join(" ");
  }).catch(() => { /* the map works without its credits line */ });
})();
