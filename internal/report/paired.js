// The paired dashboard's script (after page.js): the pairs table from the
// JSON document in #dash-data (see pairedData in paired_page.go), with
// per-column filters, sorting and a CSV download; SVG and PNG downloads of
// the figures the page drew; a click on a heatmap cell filters the table
// to the pairs of its point.
const D = JSON.parse(document.getElementById("dash-data").textContent);
const n = D.cols.length;

// Column headings: the economist's symbols; the comparison.csv name is the
// key (CSV header, tooltip).
const heading = (key) => {
  const names = {
    kappa: "κ", concentration: "c", mu: "μ", outside_mid_ratio: "ρ", delta_reduction: "Δδ", trading_effect: "Δδ (trading effect)",
    relief_ratio: "relief ratio", trading_relief_ratio: "relief ratio", dealer_total_pnl: "dealer PnL", dealer_total_return: "dealer return", total_trades: "trades",
  };
  if (names[key]) return names[key];
  let m;
  if ((m = /^(delta|phi)_(\w+)$/.exec(key))) return (m[1] === "delta" ? "δ " : "φ ") + m[2];
  if ((m = /^(\w+)_run_id$/.exec(key))) return m[1] + " run";
  if ((m = /^(\w+)_status$/.exec(key))) return m[1] + " status";
  return key;
};
const cols = D.cols.map(([key, numeric]) => ({ key, numeric: !!numeric, name: heading(key), cls: key === "error" ? "err" : null }));
const col = (key) => D.cols.findIndex((c) => c[0] === key);
const effect = col(D.effect);

const filterTo = table({
  table: $("#pairs"), tools: $("#pairs-tools"), rows: D.rows, noun: "pairs", csv: D.id + "_pairs.csv", cols,
  rowClass: (r) => r[n + 2] || null,
  cell: (r, i, v) => {
    if (i < 2) { // the run ids, linked to their reports
      const href = r[n + i];
      return el("td", { class: "id" }, href ? el("a", { href, title: "open the run's report" }, v) : v);
    }
    if (i !== effect) return null;
    const x = num(v), t = v !== "" && !isNaN(x) ? nf(x) : v;
    return el("td", { class: "num effect", title: t !== v ? v : null }, t);
  },
});

// Figures: downloads, and a heatmap cell filters the table to its point.
document.querySelectorAll("figure[data-name]").forEach((f) => {
  const svg = f.querySelector("svg");
  if (svg) f.querySelector("figcaption").append(downloads(svg, f.dataset.name));
});
document.querySelectorAll("figure.heatmap").forEach((f) => {
  f.addEventListener("click", (e) => {
    const cell = e.target.closest("rect.cell");
    if (!cell) return;
    const k = cell.dataset.kappa, c = cell.dataset.concentration, at = (v) => [+v, +v];
    const ranges = { [col("kappa")]: at(k), [col("concentration")]: at(c), [col("mu")]: at(f.dataset.mu), [col("monotonicity")]: at(f.dataset.mono) };
    let what = `at κ ${k}, c ${c}, μ ${f.dataset.mu}`;
    if (f.dataset.rho !== "") { ranges[col("outside_mid_ratio")] = at(f.dataset.rho); what += `, ρ ${f.dataset.rho}`; }
    filterTo(ranges, null, what);
  });
});
// ---- lines against κ per c, for the metric chosen ----
// Each point is the mean over its pairs (seeds), with a 95% interval when
// it has several; a panel per (ρ,) μ; κ on a log axis when it spans 20×.
const METRICS = [
  [D.effect, "Δδ (relief: δ " + D.arms[0] + " − δ " + D.arms[1] + ")", "Δδ"], [D.relief, "relief ratio", "relief ratio"],
  ["delta_" + D.arms[0], "δ " + D.arms[0], "δ " + D.arms[0]], ["delta_" + D.arms[1], "δ " + D.arms[1], "δ " + D.arms[1]],
  ["dealer_total_pnl", "dealer PnL (money units)", "PnL"], ["total_trades", "dealer trades", "trades"],
].filter(([key]) => col(key) >= 0 && D.rows.some((r) => !isNaN(num(r[col(key)])))).map(([key, name, short]) => ({ i: col(key), name, short, heat: { [D.effect]: "relief", dealer_total_pnl: "pnl", total_trades: "trades" }[key] }));
const GRID = "#e6e6ea", INK = "#1c1c1e", MU = "#6a6a70", FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const distinct = (i) => i < 0 ? [] : [...new Set(D.rows.map((r) => r[i]))].sort((a, b) => num(a) - num(b));
const [iK, iC, iM, iR] = ["kappa", "concentration", "mu", "outside_mid_ratio"].map(col);
function pairedLines(rows, m, title) {
  const W = 560, H = 280, L = 60, R = 100, T = 14, B = 40, pw = W - L - R, ph = H - T - B;
  const ks = distinct(iK).map(num).filter((k) => !isNaN(k)), klo = Math.min(...ks), khi = Math.max(...ks) > klo ? Math.max(...ks) : klo + 1;
  const series = distinct(iC).map((c) => ({ c, pts: ks.map((k) => ({ k, s: stats(rows.filter((r) => r[iC] === c && num(r[iK]) === k).map((r) => num(r[m.i]))) })).filter((p) => p.s.n) }));
  const ys = series.flatMap((se) => se.pts.flatMap((p) => [p.s.lo ?? p.s.mean, p.s.hi ?? p.s.mean]));
  // The y axis spans the values and 0 (a signed metric's 0 is drawn dashed).
  let lo = Math.min(0, ...ys), hi = Math.max(0, ...ys);
  if (!(hi - lo > 1e-12)) hi = lo + 1;
  if (m.i === col("delta_" + D.arms[0]) || m.i === col("delta_" + D.arms[1])) [lo, hi] = [0, Math.max(1, hi)];
  const logK = klo > 0 && khi / klo >= 20;
  const X = (k) => L + (logK ? Math.log(k / klo) / Math.log(khi / klo) : (k - klo) / (khi - klo)) * pw, Y = (v) => T + ph - (v - lo) / (hi - lo) * ph;
  const svg = el("s:svg", { xmlns: "http://www.w3.org/2000/svg", class: "lines", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": title, "font-family": FONT, "font-size": 11 }, el("s:rect", { width: W, height: H, fill: "#fff" }));
  for (let i = 0; i <= 4; i++) {
    const v = lo + i * (hi - lo) / 4;
    add(svg, el("s:line", { x1: L, x2: L + pw, y1: Y(v), y2: Y(v), stroke: GRID }), el("s:text", { x: L - 6, y: Y(v) + 4, "text-anchor": "end", fill: MU }, nf(v)));
  }
  if (lo < 0) add(svg, el("s:line", { x1: L, x2: L + pw, y1: Y(0), y2: Y(0), stroke: MU, "stroke-dasharray": "4 3" }));
  ks.forEach((k) => add(svg, el("s:text", { x: X(k), y: T + ph + 14, "text-anchor": "middle", fill: MU }, nf(k))));
  add(svg, el("s:line", { x1: L, x2: L + pw, y1: T + ph, y2: T + ph, stroke: INK }),
    el("s:text", { x: L + pw / 2, y: H - 6, "text-anchor": "middle", fill: INK }, "κ" + (logK ? " (log scale)" : "")),
    el("s:text", { x: 12, y: T + ph / 2, transform: `rotate(-90 12 ${T + ph / 2})`, "text-anchor": "middle", fill: INK }, m.short));
  series.forEach((se, i) => {
    const colr = viridis(series.length > 1 ? i / (series.length - 1) * 0.9 : 0.3);
    if (se.pts.length > 1) add(svg, el("s:polyline", { points: se.pts.map((p) => X(p.k) + "," + Y(p.s.mean)).join(" "), fill: "none", stroke: colr, "stroke-width": 2 }));
    for (const p of se.pts) {
      if (p.s.lo != null) add(svg, el("s:line", { class: "interval", x1: X(p.k), x2: X(p.k), y1: Y(Math.max(p.s.lo, lo)), y2: Y(Math.min(p.s.hi, hi)), stroke: colr, "stroke-width": 1.2 }));
      add(svg, el("s:circle", { class: "pt", cx: X(p.k), cy: Y(p.s.mean), r: 3, fill: colr }, el("s:title", {}, `κ ${nf(p.k)}, c ${se.c}: ${m.short} = ${statText(p.s, "pair")}`)));
    }
    add(svg, el("s:rect", { x: W - R + 10, y: T + 4 + i * 15, width: 12, height: 3, fill: colr }), el("s:text", { x: W - R + 26, y: T + 9 + i * 15, fill: INK }, "c " + se.c));
  });
  return svg;
}
const linesBox = $("#lines-panels"), pick = $("#metric");
// The heatmaps of the chosen metric (a .heat group drawn by the server);
// a metric without any keeps the relief's shown, and the note says so.
const heats = [...document.querySelectorAll(".heat[data-metric]")];
function showHeat(m) {
  const has = heats.some((h) => h.dataset.metric === m.heat), key = has ? m.heat : "relief";
  heats.forEach((h) => { h.hidden = h.dataset.metric !== key; });
  const note = $("#heat-note");
  if (note) note.textContent = has ? "" : `No heatmap of ${m.short} is drawn: the relief (Δδ) heatmaps are shown.`;
}
function drawLines(m) {
  showHeat(m);
  linesBox.replaceChildren();
  for (const rho of iR >= 0 ? distinct(iR) : [null]) for (const mu of distinct(iM)) {
    const rows = D.rows.filter((r) => r[iM] === mu && (rho === null || r[iR] === rho));
    if (!rows.length) continue;
    const where = (rho !== null && distinct(iR).length > 1 ? "ρ = " + rho + ", " : "") + "μ = " + mu, title = m.short + " against κ, " + where;
    const svg = pairedLines(rows, m, title);
    linesBox.append(el("figure", {}, el("figcaption", {}, el("span", {}, title), downloads(svg, fileName(D.id + "_" + title))), svg));
  }
}
if (linesBox && pick && METRICS.length) selector(pick, METRICS, drawLines);
else if (linesBox) linesBox.closest("section").remove();
window.bilancioDrawnMs = performance.now(); // for the load-time benchmark
