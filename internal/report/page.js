// What the scripts of the sweep pages share (the sweep dashboard's
// dashboard.js, the paired dashboard's paired.js): building elements, the
// one number rule, downloads of a figure (SVG, PNG) and of a table as shown
// (CSV), and the data table with per-column filters (ranges for numbers),
// sorting and a filter to one parameter point. A page's script is this
// file followed by its own, in one strict function (assets.go).
const $ = (s) => document.querySelector(s);

// el makes an element (an SVG one when tag starts with "s:") with the
// attributes a (null and false ones left out) and the children kids.
function el(tag, a, ...kids) {
  const svg = tag.startsWith("s:");
  const e = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(2)) : document.createElement(tag);
  for (const k in a) if (a[k] != null && a[k] !== false) e.setAttribute(k, a[k]);
  e.append(...kids.flat(9).filter((x) => x != null && x !== false));
  return e;
}
// add appends children, flattening arrays (append would print them).
const add = (p, ...kids) => p.append(...kids.flat(9).filter((x) => x != null && x !== false));
// nf: the number rule of every bilancio page (numfmt.go): four significant
// digits, an exact zero as 0 however written ("0E-28"), exponents for the
// very small and the very large.
const nf = (v) => v == null || isNaN(v) ? "—" : v === 0 ? "0" : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6 ? v.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e") : String(+v.toPrecision(4));
const num = (s) => s === "" || s == null ? NaN : +s;

// stats: the mean of the numbers among vs, and with two or more a 95%
// interval (Student's t, T95 by degrees of freedom); statText says it.
const T95 = [0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
const stats = (vs) => {
  vs = vs.filter((v) => !isNaN(v));
  const n = vs.length;
  if (!n) return { n: 0, mean: NaN };
  const mean = vs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean };
  const sd = Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const h = (T95[n - 1] || 1.96) * sd / Math.sqrt(n);
  return { n, mean, lo: mean - h, hi: mean + h };
};
const statText = (s, noun = "run") => s.n ? `${nf(s.mean)}${s.lo != null ? ` (95% interval ${nf(s.lo)} to ${nf(s.hi)})` : ""}, ${s.n} ${noun}${s.n === 1 ? "" : "s"}` : "no completed " + noun;

// viridis: the colour at t in [0, 1] of the viridis map.
const VIR = [[68, 1, 84], [72, 36, 117], [65, 68, 135], [53, 95, 141], [42, 120, 142], [33, 145, 140], [34, 168, 132], [68, 191, 112], [122, 209, 81], [189, 223, 38], [253, 231, 37]];
const viridis = (t) => {
  t = Math.max(0, Math.min(1, isNaN(t) ? 0 : t)) * (VIR.length - 1);
  const i = Math.min(Math.floor(t), VIR.length - 2), f = t - i;
  return "rgb(" + VIR[i].map((c, k) => Math.round(c + (VIR[i + 1][k] - c) * f)).join(",") + ")";
};
// fileName turns words into a file name.
const fileName = (s) => s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "");

// save offers blob as a download named name.
function save(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// downloads returns the SVG and PNG buttons of a figure's svg, saved as
// name.svg and name.png (twice the drawn size).
function downloads(svg, name) {
  const dl = (ext) => el("button", { type: "button", title: "Download this figure as " + ext.toUpperCase() }, ext.toUpperCase());
  const [bs, bp] = [dl("svg"), dl("png")];
  const text = () => {
    const c = svg.cloneNode(true);
    c.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return new XMLSerializer().serializeToString(c);
  };
  bs.onclick = () => save(new Blob([text()], { type: "image/svg+xml" }), name + ".svg");
  bp.onclick = () => {
    const box = svg.viewBox && svg.viewBox.baseVal;
    const w = +svg.getAttribute("width") || (box && box.width) || svg.getBoundingClientRect().width;
    const h = +svg.getAttribute("height") || (box && box.height) || svg.getBoundingClientRect().height;
    const img = new Image();
    img.onload = () => {
      const cv = el("canvas", { width: Math.round(w * 2), height: Math.round(h * 2) }), cx = cv.getContext("2d");
      cx.fillStyle = "#fff";
      cx.fillRect(0, 0, cv.width, cv.height);
      cx.scale(2, 2);
      cx.drawImage(img, 0, 0, w, h);
      cv.toBlob((b) => save(b, name + ".png"));
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text());
  };
  return el("span", { class: "dl" }, bs, bp);
}

// table draws rows (arrays of the recorded text) into o.table, a <table>
// with an empty thead and tbody: a header row that sorts by a column, a
// row of per-column filters (min and max for a number column, "contains"
// for a text one), and in o.tools the count of rows shown, "Clear filters"
// and "Download CSV" (the rows shown, as recorded, in o.csv).
//
//	o.cols: [{name, key, numeric, cls}] the columns (rows may carry more
//	        entries after them, for o.cell)
//	o.cell(r, i, text): a <td> for column i of row r, or nothing for the
//	        default (numbers by nf, the recorded value on hover)
//	o.rowClass(r): the row's class, if any
//	o.noun: what a row is ("runs")
//
// It returns filterTo(ranges, ids, what): filters to the rows whose
// column c is within ranges[c] ([lo, hi]) and, when ids is given, whose
// first column is one of ids; what says which point ("at κ 1, c 2").
function table(o) {
  const cols = o.cols, rows = o.rows, n = cols.length;
  const filters = cols.map(() => ({ text: "", lo: NaN, hi: NaN }));
  let only = null, what = "", sortCol = -1, sortDir = 1, limit = o.limit || 200;
  const thead = o.table.tHead, tbody = o.table.tBodies[0];
  const count = el("span", { class: "count" }), clear = el("button", { type: "button", class: "clear" }, "Clear filters"), csv = el("button", { type: "button", class: "csv", title: "Download the rows shown (as filtered and sorted) as CSV" }, "Download CSV");
  o.tools.append(count, " ", clear, " ", csv);
  const heads = el("tr", {}, cols.map((c, i) => {
    const th = el("th", { class: c.numeric ? "num sortable" : "sortable", title: "Sort by " + c.name + (c.key !== c.name ? " (" + c.key + ")" : ""), "data-key": c.key }, c.name);
    th.onclick = () => { sortDir = sortCol === i ? -sortDir : 1; sortCol = i; render(); };
    return th;
  }));
  const inputs = el("tr", { class: "filters" }, cols.map((c, i) => el("th", {}, c.numeric
    ? el("div", { class: "range" }, el("input", { type: "number", step: "any", placeholder: "min", "data-i": i, "data-w": "lo", "aria-label": c.name + " at least" }), el("input", { type: "number", step: "any", placeholder: "max", "data-i": i, "data-w": "hi", "aria-label": c.name + " at most" }))
    : el("input", { type: "search", placeholder: "contains", "data-i": i, "data-w": "text", "aria-label": c.name + " contains" }))));
  thead.append(heads, inputs);
  let timer = null;
  inputs.addEventListener("input", (e) => {
    const t = e.target, f = filters[+t.dataset.i];
    f[t.dataset.w] = t.dataset.w === "text" ? t.value.trim().toLowerCase() : t.value === "" ? NaN : +t.value;
    only = null;
    what = "";
    clearTimeout(timer);
    timer = setTimeout(render, rows.length > 2000 ? 120 : 0);
  });
  const reset = () => { inputs.querySelectorAll("input").forEach((i) => i.value = ""); filters.forEach((f) => { f.text = ""; f.lo = f.hi = NaN; }); only = null; what = ""; };
  clear.onclick = () => { reset(); render(); };
  const value = (r, i) => { const v = num(r[i]); return isNaN(v) ? Infinity : v; };
  const shown = () => {
    let rs = rows.filter((r) => (!only || only.has(r[0])) && filters.every((f, i) => cols[i].numeric
      ? (isNaN(f.lo) || num(r[i]) >= f.lo - 1e-12) && (isNaN(f.hi) || num(r[i]) <= f.hi + 1e-12)
      : !f.text || String(r[i]).toLowerCase().includes(f.text)));
    if (sortCol >= 0) {
      const i = sortCol;
      rs = rs.slice().sort((a, b) => (cols[i].numeric ? value(a, i) - value(b, i) : String(a[i]).localeCompare(String(b[i]))) * sortDir);
    }
    return rs;
  };
  const td = (r, i) => {
    const v = r[i], c = cols[i];
    const own = o.cell && o.cell(r, i, v);
    if (own) return own;
    const x = num(v), t = c.numeric && v !== "" && !isNaN(x) ? nf(x) : v;
    return el("td", { class: [c.numeric ? "num" : "", c.cls || ""].join(" ").trim() || null, title: t !== v ? v : null }, t);
  };
  function render() {
    const rs = shown();
    heads.querySelectorAll("th").forEach((th, i) => th.setAttribute("aria-sort", i === sortCol ? (sortDir > 0 ? "ascending" : "descending") : "none"));
    tbody.replaceChildren(...rs.slice(0, limit).map((r) => el("tr", { class: o.rowClass ? o.rowClass(r) : null }, cols.map((_, i) => td(r, i)))));
    count.textContent = `${rs.length} of ${rows.length} ${o.noun}` + (rs.length > limit ? ` (first ${limit} shown)` : "") + (what ? " " + what : "");
    if (rs.length > limit) {
      const more = el("button", { type: "button" }, "Show all");
      more.onclick = () => { limit = Infinity; render(); };
      tbody.append(el("tr", {}, el("td", { colspan: n }, more)));
    }
  }
  csv.onclick = () => {
    const q = (s) => /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    const text = [cols.map((c) => c.key).join(",")].concat(shown().map((r) => r.slice(0, n).map((v) => q(String(v))).join(","))).join("\n") + "\n";
    save(new Blob([text], { type: "text/csv" }), o.csv);
  };
  render();
  return (ranges, ids, label) => {
    reset();
    for (const i in ranges) {
      const [lo, hi] = ranges[i];
      filters[i].lo = lo; filters[i].hi = hi;
      inputs.querySelector(`[data-i="${i}"][data-w="lo"]`).value = lo;
      inputs.querySelector(`[data-i="${i}"][data-w="hi"]`).value = hi;
    }
    only = ids ? new Set(ids) : null;
    what = label || "";
    render();
    o.table.closest("section").scrollIntoView({ behavior: "smooth" });
  };
}

// selector fills the metric selector sel with the names of metrics and
// calls show(metric) with the first now and with the one chosen on each
// change: how every sweep page switches its heatmaps and lines together.
function selector(sel, metrics, show) {
  metrics.forEach((m, i) => sel.append(el("option", { value: i }, m.name)));
  sel.onchange = () => show(metrics[+sel.value]);
  show(metrics[0]);
}
