// The sweep dashboard's script: draws the figures the design calls for and
// the runs table from the JSON document in #dash-data (see dashboardData in
// dashboard.go). A grid gets heatmaps of κ × c per (μ, monotonicity) and
// lines against κ; a continuous design (a Latin hypercube: many distinct
// values) gets scatter plots against κ coloured by c, faceted by μ, and
// binned heatmaps; a frontier search gets its frontier κ per cell with the
// bracket of its probes. Points with several runs (replicates) show the
// mean with a 95% interval and the count. Clicking a heatmap cell filters
// the table to that point. Every figure downloads as SVG or PNG; the table,
// as filtered, as CSV.
const D = JSON.parse(document.getElementById("dash-data").textContent);
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const INK = "#1c1c1e", MU = "#6a6a70", GRID = "#e6e6ea";

// ---- the runs ----
// A row: these columns, with replicates the run's replicate (shown last),
// then its link (run.html, or "dir:" and its folder).
const COLS = ["run", "phase", "seed", "κ", "c", "μ", "monotonicity", "status", "δ total", "φ total", "time to stability", "error"];
const KEYS = ["run_id", "phase", "seed", "kappa", "concentration", "mu", "monotonicity", "status", "delta_total", "phi_total", "time_to_stability", "error"];
const NUMERIC = [false, false, true, true, true, true, true, false, true, true, true, false];
const LINK = D.reps ? 13 : 12;
const runs = D.runs;
const METRICS = [
  { key: 8, name: "δ total (default rate)", short: "δ", lo: 0, hi: 1 },
  { key: 9, name: "φ total (clearing rate)", short: "φ", lo: 0, hi: 1 },
  { key: 10, name: "time to stability (days)", short: "days" },
];
let metric = METRICS[0];
const done = runs.filter((r) => r[7] === "completed");
// A sweep of more runs than the page lists: D.agg holds the axes and the
// cells (their statistics over every run), runs only a sample of them.
const AG = D.agg;


// Axes: distinct values; continuous when many (binned).
const axis = (i) => {
  const ag = AG && AG.axes[i - 3];
  const vals = ag ? (ag[3] || []) : [...new Set(runs.map((r) => num(r[i])).filter((v) => !isNaN(v)))].sort((a, b) => a - b);
  const cont = ag ? ag[0] === 1 : vals.length >= 13;
  const lo = ag && cont ? ag[1] : Math.min(...vals), hi = ag && cont ? ag[2] : Math.max(...vals);
  const nb = i <= 4 ? 6 : 3, w = (hi - lo) / nb;
  const bin = (s) => cont ? Math.min(Math.floor((num(s) - lo) / w), nb - 1) : vals.indexOf(num(s));
  const labels = cont ? Array.from({ length: nb }, (_, b) => nf(lo + b * w) + "–" + nf(lo + (b + 1) * w)) : vals.map(nf);
  const range = (b) => cont ? [lo + b * w, b === nb - 1 ? hi : lo + (b + 1) * w] : [vals[b], vals[b]];
  return { vals, cont, lo, hi, bin, labels, range, n: labels.length };
};
const K = axis(3), C = axis(4), M = axis(5), MO = axis(6);
const continuous = K.cont || C.cont || M.cont;

// ---- colour ----
// nf2: an interval's half-width in a cell, to two significant digits (the
// tooltip has it to four, by nf).
const nf2 = (v) => v === 0 ? "0" : Math.abs(v) < 1e-3 ? v.toExponential(1) : String(+v.toPrecision(2));
const ink = (t) => t > 0.6 ? INK : "#fff";
const scaleOf = (vals) => {
  let lo = metric.lo, hi = metric.hi;
  const v = vals.filter((x) => !isNaN(x));
  if (lo == null) { lo = Math.min(...v, 0); hi = Math.max(...v, 1); }
  return { lo, hi, t: (x) => (x - lo) / (hi - lo || 1) };
};
const colourBar = (x, y, h, sc, label) => [
  Array.from({ length: 20 }, (_, i) => el("s:rect", { x, y: y + h - (i + 1) * h / 20, width: 12, height: h / 20 + 0.5, fill: viridis((i + 0.5) / 20) })),
  [0, 0.5, 1].map((t) => el("s:text", { x: x + 16, y: y + h - t * h + 4, fill: MU }, nf(sc.lo + t * (sc.hi - sc.lo)))),
  el("s:text", { x, y: y - 8, fill: MU }, label),
];
const svgRoot = (w, h, label) => el("s:svg", { xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img", "aria-label": label, "font-family": FONT, "font-size": 11 },
  el("s:rect", { width: w, height: h, fill: "#fff" }));

// ---- figures with downloads ----
const figure = (title, svg, note) => el("figure", {}, el("figcaption", {}, el("span", {}, title), downloads(svg, fileName(D.id + "_" + title))), svg, note && el("p", { class: "note" }, note));

// cellOf: the runs of a facet at (κ, c): the rows listed there (rs), how
// many runs (all of them, with a summary) and the metric's statistics over
// the completed ones.
function cellOf(f, ki, ci) {
  const rs = f.rows.filter((r) => K.bin(r[3]) === ki && C.bin(r[4]) === ci);
  if (!AG) return { rs, runs: rs.length, s: stats(rs.filter((r) => r[7] === "completed").map((r) => num(r[metric.key]))) };
  const c = AG.cells.find((c) => c[0] === 0 && c[1] === f.mi && c[2] === f.oi && c[3] === ki && c[4] === ci);
  if (!c) return { rs, runs: 0, s: { n: 0, mean: NaN } };
  const m = 6 + 4 * (metric.key - 8), s = { n: c[m], mean: c[m + 1] ?? NaN };
  if (c[m + 2] != null) { s.lo = c[m + 2]; s.hi = c[m + 3]; }
  return { rs, runs: c[5], s };
}

// heatmap: κ across, c up, for the runs of one facet; cells filter the table.
function heatmap(f, title) {
  const cw = Math.max(34, Math.min(72, 560 / K.n)), ch = Math.max(24, Math.min(40, 320 / C.n));
  const L = 76, T = 14, W = L + cw * K.n + 90, H = T + ch * C.n + 46;
  const cells = [];
  for (let ci = 0; ci < C.n; ci++) for (let ki = 0; ki < K.n; ki++) {
    cells.push({ ki, ci, ...cellOf(f, ki, ci) });
  }
  const sc = scaleOf(cells.map((c) => c.s.mean));
  const reps = cells.some((c) => c.s.n > 1) && ch >= 30; // several runs per cell: show ± and n
  const svg = svgRoot(W, H, title);
  for (const c of cells) {
    if (!c.runs) continue;
    const x = L + c.ki * cw, y = T + (C.n - 1 - c.ci) * ch, t = sc.t(c.s.mean);
    const g = el("s:g", { class: "cell", cursor: "pointer" },
      el("s:title", {}, `κ ${K.labels[c.ki]}, c ${C.labels[c.ci]}: ${metric.short} = ${statText(c.s)}. Click to list these runs.`),
      el("s:rect", { x, y, width: cw - 1, height: ch - 1, fill: c.s.n ? viridis(t) : "#d8d8dc" }),
      cw >= 34 && c.s.n && el("s:text", { x: x + cw / 2, y: y + ch / 2 + (reps ? 0 : 4), "text-anchor": "middle", fill: ink(t), "font-size": 10 }, nf(c.s.mean)),
      cw >= 34 && c.s.n && reps && el("s:text", { x: x + cw / 2, y: y + ch / 2 + 11, "text-anchor": "middle", fill: ink(t), "font-size": 8.5 }, (c.s.lo != null ? "±" + nf2((c.s.hi - c.s.lo) / 2) + " " : "") + "n=" + c.s.n));
    g.onclick = () => filterTo({ 3: K.range(c.ki), 4: C.range(c.ci) }, c.rs.map((r) => r[0]), `at κ ${K.labels[c.ki]}, c ${C.labels[c.ci]}`);
    add(svg, g);
  }
  K.labels.forEach((l, i) => add(svg, el("s:text", { x: L + i * cw + cw / 2, y: T + C.n * ch + 14, "text-anchor": "middle", fill: MU, "font-size": K.cont ? 9 : 11 }, l)));
  C.labels.forEach((l, i) => add(svg, el("s:text", { x: L - 6, y: T + (C.n - 1 - i) * ch + ch / 2 + 4, "text-anchor": "end", fill: MU, "font-size": C.cont ? 9 : 11 }, l)));
  add(svg, el("s:text", { x: L + cw * K.n / 2, y: H - 6, "text-anchor": "middle", fill: INK }, "κ" + (K.cont ? " (binned)" : "")),
    el("s:text", { x: 12, y: T + ch * C.n / 2, transform: `rotate(-90 12 ${T + ch * C.n / 2})`, "text-anchor": "middle", fill: INK }, "c" + (C.cont ? " (binned)" : "")),
    colourBar(L + cw * K.n + 18, T + 14, Math.min(ch * C.n - 14, 160), sc, metric.short));
  return svg;
}

// lines: metric against κ, one line per c (bins when continuous), with
// 95% intervals where points have several runs.
function lines(f, title) {
  const W = 560, H = 280, L = 56, R = 110, T = 14, B = 40, pw = W - L - R, ph = H - T - B;
  const series = C.labels.map((label, ci) => ({ label, pts: K.labels.map((_, ki) => {
    const kr = K.range(ki);
    return { k: (kr[0] + kr[1]) / 2, s: cellOf(f, ki, ci).s };
  }).filter((p) => p.s.n) }));
  const all = series.flatMap((s) => s.pts.flatMap((p) => [p.s.lo ?? p.s.mean, p.s.hi ?? p.s.mean]));
  const sc = scaleOf(all), klo = K.lo, khi = K.hi > K.lo ? K.hi : K.lo + 1;
  const logK = !K.cont && klo > 0 && khi / klo >= 20;
  const X = (k) => L + (logK ? Math.log(k / klo) / Math.log(khi / klo) : (k - klo) / (khi - klo)) * pw;
  const Y = (v) => T + ph - sc.t(v) * ph;
  const svg = svgRoot(W, H, title);
  for (let i = 0; i <= 4; i++) {
    const v = sc.lo + i * (sc.hi - sc.lo) / 4;
    add(svg, el("s:line", { x1: L, x2: L + pw, y1: Y(v), y2: Y(v), stroke: GRID }), el("s:text", { x: L - 6, y: Y(v) + 4, "text-anchor": "end", fill: MU }, nf(v)));
  }
  const kt = K.cont ? Array.from({ length: 5 }, (_, i) => klo + i * (khi - klo) / 4) : K.vals;
  kt.forEach((k, i) => (K.cont || K.vals.length <= 12 || i % Math.ceil(K.vals.length / 12) === 0) && add(svg, el("s:text", { x: X(k), y: T + ph + 14, "text-anchor": "middle", fill: MU }, nf(k))));
  add(svg, el("s:line", { x1: L, x2: L + pw, y1: T + ph, y2: T + ph, stroke: INK }),
    el("s:text", { x: L + pw / 2, y: H - 6, "text-anchor": "middle", fill: INK }, "κ" + (logK ? " (log scale)" : "")),
    el("s:text", { x: 12, y: T + ph / 2, transform: `rotate(-90 12 ${T + ph / 2})`, "text-anchor": "middle", fill: INK }, metric.short));
  series.forEach((se, i) => {
    const col = viridis(series.length > 1 ? i / (series.length - 1) * 0.9 : 0.3);
    if (se.pts.length > 1) add(svg, el("s:polyline", { points: se.pts.map((p) => X(p.k) + "," + Y(p.s.mean)).join(" "), fill: "none", stroke: col, "stroke-width": 2 }));
    for (const p of se.pts) {
      if (p.s.lo != null) add(svg, el("s:line", { x1: X(p.k), x2: X(p.k), y1: Y(Math.max(p.s.lo, sc.lo)), y2: Y(Math.min(p.s.hi, sc.hi)), stroke: col, "stroke-width": 1.2 }));
      add(svg, el("s:circle", { cx: X(p.k), cy: Y(p.s.mean), r: 3, fill: col }, el("s:title", {}, `κ ${nf(p.k)}, c ${se.label}: ${metric.short} = ${statText(p.s)}`)));
    }
    add(svg, el("s:rect", { x: W - R + 10, y: T + 4 + i * 15, width: 12, height: 3, fill: col }), el("s:text", { x: W - R + 26, y: T + 9 + i * 15, fill: INK }, "c " + se.label));
  });
  return svg;
}

// scatter: every run's metric against κ, coloured by c.
function scatter(rows, title) {
  const W = 560, H = 300, L = 56, R = 90, T = 14, B = 40, pw = W - L - R, ph = H - T - B;
  const pts = rows.filter((r) => r[7] === "completed" && !isNaN(num(r[metric.key])));
  const sc = scaleOf(pts.map((r) => num(r[metric.key])));
  const klo = K.lo, khi = K.hi > K.lo ? K.hi : K.lo + 1, clo = C.lo, chi = C.hi > C.lo ? C.hi : C.lo + 1;
  const X = (k) => L + (k - klo) / (khi - klo) * pw, Y = (v) => T + ph - sc.t(v) * ph;
  const svg = svgRoot(W, H, title);
  for (let i = 0; i <= 4; i++) {
    const v = sc.lo + i * (sc.hi - sc.lo) / 4, k = klo + i * (khi - klo) / 4;
    add(svg, el("s:line", { x1: L, x2: L + pw, y1: Y(v), y2: Y(v), stroke: GRID }), el("s:text", { x: L - 6, y: Y(v) + 4, "text-anchor": "end", fill: MU }, nf(v)),
      el("s:text", { x: X(k), y: T + ph + 14, "text-anchor": "middle", fill: MU }, nf(k)));
  }
  for (const r of pts) {
    add(svg, el("s:circle", { cx: X(num(r[3])), cy: Y(num(r[metric.key])), r: pts.length > 400 ? 2.2 : 3, fill: viridis((num(r[4]) - clo) / (chi - clo)), "fill-opacity": 0.85 },
      el("s:title", {}, `${r[0]}: κ ${r[3]}, c ${r[4]}, μ ${r[5]}: ${metric.short} = ${r[metric.key]}`)));
  }
  add(svg, el("s:line", { x1: L, x2: L + pw, y1: T + ph, y2: T + ph, stroke: INK }),
    el("s:text", { x: L + pw / 2, y: H - 6, "text-anchor": "middle", fill: INK }, "κ"),
    el("s:text", { x: 12, y: T + ph / 2, transform: `rotate(-90 12 ${T + ph / 2})`, "text-anchor": "middle", fill: INK }, metric.short),
    colourBar(W - R + 18, T + 24, 150, { lo: clo, hi: chi }, "c"));
  return svg;
}

// facets: one per μ (bin) and monotonicity value, with the runs listed in
// it that are not frontier probes.
const facets = () => {
  const out = [];
  for (let mi = 0; mi < Math.max(M.n, 1); mi++) for (let oi = 0; oi < Math.max(MO.n, 1); oi++) {
    const fm = M.n ? mi : -1, fo = MO.n ? oi : -1;
    const rows = runs.filter((r) => r[1] !== "frontier" && (M.n ? M.bin(r[5]) === mi : true) && (MO.n ? MO.bin(r[6]) === oi : true));
    if (AG ? !AG.cells.some((c) => c[0] === 0 && c[1] === fm && c[2] === fo) : !rows.length) continue;
    const name = [M.n > 1 || M.cont ? "μ " + (M.cont ? "in " : "= ") + M.labels[mi] : "", MO.n > 1 ? "monotonicity " + (MO.cont ? "in " : "= ") + MO.labels[oi] : ""].filter((x) => x).join(", ");
    out.push({ name, rows, mi: fm, oi: fo });
  }
  return out;
};

function draw() {
  const box = $("#panels");
  box.replaceChildren();
  if (AG ? !AG.cells.some((c) => c[6] || c[10] || c[14]) : !done.length) { box.append(el("p", { class: "note" }, "No completed run yet.")); return; }
  if (AG ? !AG.cells.some((c) => c[0] === 0) : !runs.some((r) => r[1] !== "frontier")) {
    $("#figure-note").textContent = "";
    box.append(el("p", { class: "note" }, "This sweep is a frontier search: its probes are shown per cell in the frontier figure below, and listed in the table."));
    return;
  }
  const reps = AG ? AG.cells.some((c) => c[0] === 0 && c[6] > 1) : done.length > new Set(done.map((r) => r.slice(3, 7).join())).size;
  $("#figure-note").textContent = (continuous
    ? "A continuous design: κ and c are binned for the heatmaps" + (AG ? " and the lines, each bin the mean over its runs (a 95% interval in the tooltip)" : "; the scatter plots show every run") + ". Facets by μ" + (M.cont ? " (binned)" : "") + "."
    : "Cells are parameter points: the mean over their completed runs" + (reps ? ", with a 95% interval over replicates in the tooltip and as bars on the lines" : "") + ". Click a cell to list its runs.")
    + (AG ? ` The heatmaps and lines are drawn from all ${AG.listed} runs; the ${continuous ? "scatter plots and the " : ""}table show a sample of ${runs.length} of them (one run in ${AG.every}, with every failed run).` : "");
  for (const f of facets()) {
    const row = el("div", { class: "facet" }, el("h3", {}, f.name || "All runs"));
    const of = f.name ? ", " + f.name : "";
    if (continuous) row.append(figure(`${metric.short} against κ${of}${AG ? " (a sample of the runs)" : ""}`, scatter(f.rows, f.name)));
    row.append(figure(`${metric.short} over κ × c${of}`, heatmap(f, f.name)));
    row.append(figure(`${metric.short} against κ per c${of}`, lines(f, f.name)));
    box.append(row);
  }
}

// ---- the frontier ----
function frontier() {
  const box = $("#frontier-fig");
  if (!box || !D.front.length) return;
  const lo = num(D.cfg["frontier.kappa_low"]), hi = num(D.cfg["frontier.kappa_high"]), tol = num(D.cfg["frontier.tolerance"]);
  const probes = runs.filter((r) => r[1] === "frontier" && r[7] === "completed");
  const cells = D.front.map(([c, mu, mono, k, n, blo, bhi, bound]) => {
    const ps = probes.filter((r) => r[4] === c && r[5] === mu && r[6] === mono).map((r) => ({ k: num(r[3]), d: num(r[8]) })).sort((a, b) => a.k - b.k);
    const kv = num(k), notFound = bound === "never_clears" || (!bound && k === ""), atBound = !!bound || notFound;
    // The bracket as the search recorded it, else from its probes.
    let bracket = blo !== undefined && blo !== "" ? [num(blo), num(bhi)] : [kv, kv];
    if (blo === undefined) {
      const clear = ps.filter((p) => p.d <= tol).map((p) => p.k), fail = ps.filter((p) => p.d > tol).map((p) => p.k);
      const other = fail.length && clear.length ? (Math.max(...clear) < Math.min(...fail) ? Math.max(...clear) : Math.min(...fail)) : NaN;
      if (!isNaN(other)) bracket = [Math.min(kv, other), Math.max(kv, other)];
    }
    return { c, mu, mono, k: kv, n, ps, bracket, atLow: !!bound && !notFound, notFound, atBound };
  });
  const W = 620, rowH = 26, L = 150, R = 20, T = 24, H = T + rowH * cells.length + 40, pw = W - L - R;
  // The axis covers the range and every probe (a search may probe beyond it).
  const pk = probes.map((r) => num(r[3])), kmax = Math.max(hi, ...pk), klo = Math.min(lo, ...pk);
  const logK = klo > 0 && kmax / klo > 20, kmin = logK ? klo : Math.min(klo, 0);
  const X = (k) => L + (logK ? Math.log(k / kmin) / Math.log(kmax / kmin) : (k - kmin) / (kmax - kmin || 1)) * pw;
  const kticks = logK ? [1, 2, 5, 10, 20, 50, 100].flatMap((m) => [m * 0.01, m * 0.1, m]).filter((k) => k >= kmin && k <= kmax).sort((a, b) => a - b) : Array.from({ length: 5 }, (_, i) => kmin + i * (kmax - kmin) / 4);
  const svg = svgRoot(W, H, "frontier κ per cell");
  for (const k of [...new Set(kticks.map((k) => +k.toPrecision(6)))]) {
    add(svg, el("s:line", { x1: X(k), x2: X(k), y1: T - 6, y2: T + rowH * cells.length, stroke: GRID }), el("s:text", { x: X(k), y: T + rowH * cells.length + 14, "text-anchor": "middle", fill: MU }, nf(k)));
  }
  add(svg, el("s:rect", { x: X(lo), y: T - 6, width: X(hi) - X(lo), height: rowH * cells.length + 6, fill: "#23395d", "fill-opacity": 0.05 }),
    el("s:text", { x: L + pw / 2, y: H - 6, "text-anchor": "middle", fill: INK }, `κ${logK ? ", log scale" : ""} (shaded: the search range ${nf(lo)} to ${nf(hi)}; clears: δ ≤ ${nf(tol)})`));
  cells.forEach((f, i) => {
    const y = T + i * rowH + rowH / 2, bad = f.atBound;
    add(svg, el("s:text", { x: L - 8, y: y + 4, "text-anchor": "end", fill: INK }, `c ${f.c}, μ ${f.mu}` + (MO.n > 1 ? `, m ${f.mono}` : "")));
    for (const p of f.ps) add(svg, el("s:circle", { class: "probe", cx: X(p.k), cy: y, r: 2.5, fill: p.d <= tol ? "#2d6a3e" : "#a8231b", "fill-opacity": 0.6 }, el("s:title", {}, `probe κ ${nf(p.k)}: δ = ${nf(p.d)}`)));
    if (f.notFound) {
      add(svg, el("s:text", { x: L + pw - 4, y: y + 4, "text-anchor": "end", fill: "#a8231b", "font-weight": 600 }, "never clears ▶"));
    } else {
      add(svg, el("s:line", { x1: X(f.bracket[0]), x2: X(f.bracket[1]), y1: y, y2: y, stroke: INK, "stroke-width": 2 }),
        el("s:rect", { x: X(f.k) - 4, y: y - 4, width: 8, height: 8, fill: bad ? "#a8231b" : INK }, el("s:title", {}, `frontier κ ${nf(f.k)}, bracket ${nf(f.bracket[0])} to ${nf(f.bracket[1])}, ${f.n} probes`)));
      if (f.atLow) add(svg, el("s:text", { x: X(f.k) + 8, y: y + 4, fill: "#a8231b", "font-weight": 600 }, "◀ at a bound: beyond the range"));
    }
  });
  box.append(figure("frontier κ per cell", svg, "Squares: the frontier κ; bars: the bracket of the last probes either side; dots: every probe (green cleared, red did not). Red marks a search that ended at a bound of its range."));
}

// ---- the table: per-column filters (ranges for numbers), sort, CSV ----
const filterTo = table({
  table: $("#runs"), tools: $("#runs-tools"), rows: runs, noun: "runs", csv: D.id + "_runs.csv",
  cols: COLS.map((name, i) => ({ name, key: KEYS[i], numeric: NUMERIC[i], cls: i === 11 ? "err" : null })).concat(D.reps ? [{ name: "replicate", key: "replicate", numeric: true }] : []),
  rowClass: (r) => r[7] === "failed" ? "failed" : null,
  // The run's id links its report (or its folder when run.html was not kept).
  cell: (r, i, v) => {
    if (i !== 0) return null;
    const link = r[LINK], dir = link.startsWith("dir:");
    return el("td", { class: "id" }, link ? el("a", { href: dir ? link.slice(4) : link, title: dir ? "run.html was not kept for this run: the link opens its folder; `bilancio report` on the folder rebuilds it" : "open the run's report" }, v) : v);
  },
});

// ---- the metric selector ----
selector($("#metric"), METRICS, (m) => { metric = m; draw(); });
frontier();
window.bilancioDrawnMs = performance.now(); // for the load-time benchmark
