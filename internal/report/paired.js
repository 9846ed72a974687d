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
window.bilancioDrawnMs = performance.now(); // for the load-time benchmark
