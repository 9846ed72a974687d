// run.html's script: draws the charts, the settlement network, the dealer's
// charts and the day sections from the JSON document in #run-data (its
// layout is described in run_data.go). It builds the page with the DOM, so
// no text is ever parsed as markup. The style of what it draws
// (run_drawn.css) is handed to it as CSS.
(() => {
  "use strict";
  const D = JSON.parse(document.getElementById("run-data").textContent);
  // Undo the interning of events and sheet lines (run_data.go), in document order.
  const T = [], one = (x) => typeof x === "number" ? T[x] : (x.length > 3 && T.push(x), x), dec = (r) => r.map(one);
  const decGrid = (g) => g && (g[0] = one(g[0]), g[1].forEach((s) => [2, 3, 7, 8].forEach((i) => s[i] && (s[i] = s[i].map(dec)))));
  D.setup = D.setup.map(dec);
  decGrid(D.ss);
  for (const d of D.days) {
    d[1] = d[1].map((g) => typeof g === "number" ? [g, []] : [g[0], g[1].map(dec)]);
    decGrid(d[2]);
  }
  decGrid(D.fin);
  const $ = (s) => document.querySelector(s);
  const RED = "#a8231b", AC = "#23395d", GREEN = "#2d6a3e", AMBER = "#c47f17", GREY = "#9a9aa2", PALE = "#c4c4ca";
  document.head.append(el("style", {}, CSS));

  // el builds an element: "tag.class" ("s:" for SVG), attributes from a,
  // children from the rest (strings become text; arrays are flattened).
  function el(tag, a, ...kids) {
    const [t, cls] = tag.split(".");
    const e = t.startsWith("s:") ? document.createElementNS("http://www.w3.org/2000/svg", t.slice(2)) : document.createElement(t);
    if (cls) e.setAttribute("class", cls.replace(/_/g, " "));
    for (const k in a) if (a[k] != null) e.setAttribute(k, a[k]);
    e.append(...kids.flat(9).filter((x) => x != null));
    return e;
  }
  // nf prints a number as every bilancio page does (numfmt.go): four
  // significant digits, no exponent between 0.001 and a million.
  const nf = (v) => v === 0 ? "0" : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6 ? v.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e") : String(+v.toPrecision(4));
  // num is a number cell: rounded, with the exact text on hover.
  const num = (s = "", c = "") => {
    const v = parseFloat(s), shown = isNaN(v) ? s : nf(v);
    return el("td.num" + c, { title: shown !== s ? s : null }, shown);
  };
  const plural = (n, one, many) => n + " " + (n === 1 ? one : many);
  const names = Object.fromEntries(D.an.map((a) => [a[0], a]));
  const DEF = { PartialSettlement: 1, ObligationDefaulted: 1, AgentDefaulted: 1 };
  const PH = ["Start of day", "Phase B1 — Scheduled Actions", "Phase B — Dealer Trading", "Phase B2 — Settlement", "Phase B — Rollover", "Phase C — Clearing"];

  // ---- event tables and balance sheets ----
  const events = (rows) => el("table.ev", {}, el("tr", {}, ["Kind", "From / debtor", "To / creditor", "Amount", "Instrument / contract", "Details"].map((h) => el(h === "Amount" ? "th.num" : "th", {}, h))),
    rows.map(([k, f = "", t = "", amt, id = "", al, ...kv]) => el(DEF[k] ? "tr.def" : "tr", {},
      el("td.k0", {}, k), el("td", {}, f), el("td", {}, t), num(amt), el("td.id", {}, id, al && el("span.al", {}, " " + al)),
      el("td", {}, kv.map((x, i) => i % 2 ? null : el("span.kv", {}, el("span.k", {}, x), " " + (kv[i + 1] || "")))))));
  const lines = (ls) => ls.length ? el("table", {}, ls.map(([k, p = "", d = "", a]) => el("tr", {}, el("td", {}, k), el("td.p", {}, p), el("td.p", {}, d), num(a)))) : el("span.empty", {}, "—");
  const side = (ls, all) => [lines(ls), all && all.length ? el("details", {}, el("summary", {}, "all " + all.length + " instruments"), lines(all)) : null];
  // Resolve the [id] sheets (unchanged since the agent's last one) in page order.
  const last = {};
  for (const g of [D.ss, ...D.days.map((d) => d[2]), D.fin]) if (g) g[1] = g[1].map((s) => s.length === 1 ? last[s[0]] : (last[s[0]] = s));
  const sheets = ([note, list], caption) => el("details", { open: list.length <= 12 ? "" : null },
    el("summary.b", {}, caption + " (" + plural(list.length, "agent)", "agents)")),
    note && el("p.note", {}, note),
    el("div.grid", {}, list.map(([id, def, a, l, ta, tl, net = "0", aa, al]) => {
      const n = names[id] || [id, "", ""];
      return el(def ? "div.ta_def" : "div.ta", {},
        el("div", {}, el("b.id", {}, id), " " + (n[1] || ""), el("span.p", {}, " · " + (n[2] || ""))),
        el("div.tb", {}, el("div.sh", {}, "Assets"), el("div.sh", {}, "Liabilities"), el("div", {}, side(a, aa)), el("div", {}, side(l, al)),
          [ta, tl].map((t) => el("div.tot", {}, el("span", {}, "Total"), el("span", {}, t)))),
        el("div.tb", {}, el("div.p", {}, "Net worth"), el(net[0] === "-" ? "div.num_neg" : "div.num", {}, net)));
    })));

  // ---- the agents and the day metrics ----
  const th = (hs, from) => el("tr", {}, hs.map((h, i) => el(i >= from ? "th.num" : "th", {}, h)));
  const nDef = D.an.filter((a) => a[7]).length;
  $("#agents").append(el("details", { open: D.an.length <= 30 ? "" : null },
    el("summary.b", {}, `Agents and final positions (${plural(D.an.length, "agent", "agents")}${nDef ? ", " + nDef + " defaulted" : ""})`),
    el("table.agents", {}, th(["ID", "Name", "Kind", "Status", "Assets", "Liabilities", "Net worth"], 4),
      D.an.map(([id, n, k, st, a, l, net, def]) => el(def ? "tr.def" : "tr", {}, el("td.id", {}, id), el("td", {}, n), el("td", {}, k), el("td.st", {}, st), num(a), num(l), num(net, net[0] === "-" ? " neg" : "")))),
    el("p.note", {}, "Assets, liabilities and net worth (financial instruments) at the end of the run.")));
  $("#metrics").append(D.m ? el("table", {}, th(["Day", "Sₜ (dues)", "Mpeakₜ", "Gross settled", "φₜ (settled share)", "δₜ (defaulted share)"], 1),
    D.m.map(([d, ...v]) => el("tr", {}, el("td", {}, d), v.map((x) => num(x)))),
    el("tfoot", {}, el("tr", {}, el("td", {}, "Run"), el("td"), el("td"), el("td"), D.tot.map((x, i) => el("td.num", { title: x }, (i ? "δ = " : "φ = ") + (x ? nf(+x) : "—")))))) :
    el("p.empty", {}, "No metrics were supplied for this run."));

  // ---- day sections, drawn when first opened ----
  const daysEl = $("#days");
  D.days.forEach(([day, groups, grid], i) => {
    // The default that stopped the run (D.stop) ended its last day.
    const stop = i === D.days.length - 1 && D.stop;
    const rows = groups.flatMap((g) => g[1]);
    const defs = rows.filter((r) => r[0] === "AgentDefaulted").map((r) => r[1]);
    const settled = rows.filter((r) => r[0] === "PayableSettled").length;
    let sum = rows.length ? plural(rows.length, "event", "events") + " · " + plural(settled, "payable settled", "payables settled") : "quiet day";
    if (defs.length) sum += " · " + plural(defs.length, "default", "defaults") + " (" + defs.slice(0, 6).join(", ") + (defs.length > 6 ? ", …" : "") + ")";
    if (stop) sum += " · run stopped by a default";
    const det = el(defs.length || stop ? "details.day_alert" : "details.day", { id: "day-" + day }, el("summary", {}, el("h2", {}, "Day " + day), el("span.note", {}, sum)));
    let drawn = false;
    det.addEventListener("toggle", () => {
      if (!det.open || drawn) return;
      drawn = true;
      det.append(...[stop && el("p.stop", {}, "Run stopped: " + stop),
        rows.length ? groups.map(([ph, r]) => [el("h3", {}, PH[ph]), r.length ? events(r) : el("p.empty", {}, "No events.")]) : el("p.empty", {}, "A quiet day: no events besides the phase markers."),
        grid && sheets(grid, "Balance sheets after day " + day)].flat(9).filter((x) => x));
    });
    daysEl.append(det);
    $("#daynav").append(el(defs.length || stop ? "a.alert" : "a", { href: "#day-" + day }, "Day " + day), " ");
    det.open = !!D.open;
  });
  $("#setup").append(el("details", { open: D.setup.length <= 40 ? "" : null }, el("summary.b", {}, "Setup events (" + D.setup.length + ")"), events(D.setup)));
  if (D.ss) $("#setup").append(sheets(D.ss, "Balance sheets after setup"));
  if (D.fin) daysEl.after(el("section", { id: "final" }, el("h2", {}, "Final balance sheets"),
    el("p.note", {}, "No daily snapshots were recorded for this run; the balance sheets show the final state."), sheets(D.fin, "Final balance sheets")));

  // ---- charts: days at their true positions ----
  // ticks: about five round values over [lo, hi]; whole ones for counts.
  const ticks = (lo, hi, whole) => {
    if (hi <= lo) hi = lo + 1;
    const raw = (hi - lo) / 4, mag = 10 ** Math.floor(Math.log10(raw));
    const step = Math.max((whole ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]).find((m) => raw <= m * mag) * mag, whole ? 1 : 0), out = [];
    for (let v = Math.floor(lo / step) * step; v < hi + step * 0.999; v += step) out.push(+v.toPrecision(12));
    return out;
  };
  // chart: xs the days; series [{name, v (numbers or strings), color, line}];
  // o.share fixes y to [0, 1], o.stack stacks the bars, o.count keeps the
  // y ticks whole, o.span = [first, last] widens the day axis to those days.
  function chart(title, xs, series, o = {}) {
    const W = 520, H = 230, L = 58, R = 14, T = 30, pw = W - L - R, ph = H - T - 36, sp = o.span || xs;
    const x0 = Math.min(...xs, ...sp) - 0.5, x1 = Math.max(...xs, ...sp) + 0.5;
    const top = Math.max(0, ...xs.map((_, i) => series.reduce((s, se) => o.stack ? s + (+se.v[i] || 0) : Math.max(s, +se.v[i] || 0), 0)));
    const yt = o.share ? [0, 0.25, 0.5, 0.75, 1] : ticks(0, o.count ? Math.max(top, 4) : top, o.count), ymax = yt[yt.length - 1];
    const X = (d) => L + (d - x0) / (x1 - x0) * pw, Y = (v) => T + ph - v / ymax * ph;
    const bars = series.filter((s) => !s.line).length, bw = Math.max(0.7 * pw / (x1 - x0) / (o.stack ? 1 : bars || 1), 1);
    const svg = el("s:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title }, el("s:text.t", { x: L, y: 16 }, title),
      yt.map((t) => [el("s:line.g", { x1: L, x2: L + pw, y1: Y(t), y2: Y(t) }), el("s:text", { x: L - 6, y: Y(t) + 3.5, "text-anchor": "end" }, nf(t))]),
      el("s:line.ax", { x1: L, x2: L + pw, y1: Y(0), y2: Y(0) }),
      (x1 - x0 <= 13 ? Array.from({ length: x1 - x0 }, (_, i) => x0 + 0.5 + i) : ticks(x0 + 0.5, x1 - 0.5, 1)).filter((d) => d % 1 === 0 && d > x0 && d < x1).map((d) => el("s:text", { x: X(d), y: T + ph + 15, "text-anchor": "middle" }, d)),
      el("s:text", { x: L + pw / 2, y: H - 4, "text-anchor": "middle" }, "day"));
    const base = xs.map(() => 0);
    let k = 0;
    for (const se of series) {
      const pts = [], marks = [];
      xs.forEach((d, i) => {
        const s = se.v[i], v = parseFloat(s);
        if (s === "" || isNaN(v)) return;
        const tip = el("s:title", {}, `day ${d}: ${se.name} = ${s}`);
        if (se.line) {
          pts.push(X(d) + "," + Y(v));
          marks.push(el("s:circle", { cx: X(d), cy: Y(v), r: 3.5, fill: se.color, stroke: "#fff" }, tip));
        } else {
          const bx = o.stack ? X(d) - bw / 2 : X(d) - bw * bars / 2 + k * bw;
          marks.push(el("s:rect", { x: bx, y: Y(base[i] + v), width: bw, height: Y(base[i]) - Y(base[i] + v), fill: se.color }, tip));
          if (o.stack) base[i] += v;
        }
      });
      if (pts.length > 1) svg.append(el("s:polyline", { points: pts.join(" "), fill: "none", stroke: se.color, "stroke-width": 2 }));
      svg.append(...marks);
      if (!se.line) k++;
    }
    if (series.length > 1) series.forEach((se, i) => svg.append(el("s:rect", { x: W - R - 150, y: 8 + 13 * i, width: 10, height: 4, fill: se.color }), el("s:text", { x: W - R - 136, y: 13 + 13 * i }, se.name)));
    return svg;
  }

  const box = $("#charts .charts");
  if (box) {
    const rows = D.m || [], days = rows.map((r) => r[0]), col = (i) => rows.map((r) => r[i]);
    if (rows.length) box.append(chart("Dues Sₜ", days, [{ name: "S_t", v: col(1), color: AC }]),
      chart("Gross settled", days, [{ name: "gross settled", v: col(3), color: AC }]),
      chart("Settled share φₜ", days, [{ name: "φ_t", v: col(4), color: AC, line: 1 }], { share: 1 }),
      chart("Peak liquidity Mpeakₜ", days, [{ name: "Mpeak_t", v: col(2), color: AC }]));
    // Defaults by day: the agents expelled and the obligations that defaulted.
    const count = (kind) => D.days.map((d) => d[1].reduce((n, g) => n + g[1].filter((r) => r[0] === kind).length, 0));
    const ag = count("AgentDefaulted"), ob = count("ObligationDefaulted");
    if (D.days.length) box.append(chart("Defaults by day" + (ag.concat(ob).some((x) => x) ? "" : " (none)"), D.days.map((d) => d[0]),
      [{ name: "agents expelled", v: ag, color: RED }, { name: "obligations defaulted", v: ob, color: AMBER }], { count: 1 }));
    box.append(el("p.note", {}, "Metrics per metric day (the due days of the payables); defaults per simulated day; days stand at their true positions. Hover over a bar or point for its exact value."));
  }

  // ---- the settlement network: payables created at setup, debtor → creditor ----
  // The payables created at setup, and what became of each on the days.
  const edges = [], byId = {}, defDay = {};
  for (const [k, from, to, amt, id, al, ...kv] of D.setup) if (k === "PayableCreated") {
    const e = { from, to, amt, id, due: kv[kv.indexOf("due_day") + 1], out: "open", note: "" };
    edges.push(byId[id] = e);
    if (al) byId[al] = e;
  }
  for (const [day, groups] of D.days) for (const [, rows] of groups) for (const [k, from, , amt, id, al, ...kv] of rows) {
    if (k === "AgentDefaulted" && !(from in defDay)) defDay[from] = day;
    const e = byId[id] || byId[al], on = " on day " + day;
    if (!e) continue;
    if (k === "PayableSettled") e.out = "settled", e.note = "settled" + on;
    else if (k === "PartialSettlement") e.out = "partial", e.note = "partially paid (" + (kv.includes("amount_paid") ? kv[kv.indexOf("amount_paid") + 1] : amt) + ")" + on;
    else if (k === "ObligationDefaulted") e.out === "partial" ? e.note += ", rest defaulted" : (e.out = "defaulted", e.note = "defaulted" + on);
    else if (k === "ObligationWrittenOff") e.out = "written-off", e.note = "written off" + on;
  }
  const inRing = new Set(edges.flatMap((e) => [e.from, e.to]));
  const ring = [...D.an.map((a) => a[0]).filter((id) => inRing.delete(id)), ...inRing];
  const fig = $("#net");
  if (fig && !edges.length) fig.previousElementSibling.remove(), fig.remove();
  if (fig && edges.length) {
    const n = ring.length, S = 560, c = S / 2, rad = c - 40, pos = {}, counts = {};
    const nr = n > 60 ? 4.5 : n > 24 ? 7 : 15, head = Math.min(8, Math.max(4, nr * 0.7));
    const colors = { settled: GREEN, partial: AMBER, defaulted: RED, "written-off": GREY, open: PALE };
    ring.forEach((id, i) => { const a = 2 * Math.PI * i / n - Math.PI / 2; pos[id] = [c + rad * Math.cos(a), c + rad * Math.sin(a)]; });
    const unit = (x, y) => { const d = Math.hypot(x, y) || 1; return [x / d, y / d]; };
    const svg = el("s:svg", { id: "network", viewBox: `0 0 ${S} ${S}`, role: "img", "aria-label": "settlement network" });
    for (const { from, to, amt, due, out, note, id } of edges) {
      const p = pos[from], q = pos[to], d = Math.hypot(q[0] - p[0], q[1] - p[1]);
      if (!d) continue;
      const bow = n > 24 ? Math.max(0.3 * d, 20) : 0, r0 = Math.hypot(c - (p[0] + q[0]) / 2, c - (p[1] + q[1]) / 2) || 1;
      const mx = (p[0] + q[0]) / 2 + (c - (p[0] + q[0]) / 2) / r0 * bow, my = (p[1] + q[1]) / 2 + (c - (p[1] + q[1]) / 2) / r0 * bow;
      const gap = nr + 2, s = unit(mx - p[0], my - p[1]), u = unit(q[0] - mx, q[1] - my);
      const tx = q[0] - u[0] * gap, ty = q[1] - u[1] * gap, bx = tx - u[0] * head, by = ty - u[1] * head, px = -u[1] * head * 0.45, py = u[0] * head * 0.45;
      const col = colors[out] || PALE;
      counts[out] = (counts[out] || 0) + 1;
      svg.append(el("s:g.edge_e-" + out, {}, el("s:title", {}, `${from} owes ${to} ${amt}, due day ${due} — ${note || "not settled"} (${id})`),
        el("s:path", { d: `M${p[0] + s[0] * gap},${p[1] + s[1] * gap}Q${mx},${my} ${bx},${by}`, fill: "none", stroke: col }),
        el("s:path", { d: `M${tx},${ty}L${bx + px},${by + py}L${bx - px},${by - py}Z`, fill: col, stroke: col })));
    }
    for (const id of ring) {
      const dd = id in defDay ? defDay[id] : -1, p = pos[id], a = names[id], out = n > 24, an = Math.atan2(p[1] - c, p[0] - c);
      svg.append(el(dd >= 0 ? "s:g.node_defaulted" : "s:g.node", {},
        el("s:title", {}, id + (a && a[1] && a[1] !== id ? ` (${a[1]})` : "") + (dd >= 0 ? " — defaulted on day " + dd : "")),
        el("s:circle", { cx: p[0], cy: p[1], r: nr, fill: dd >= 0 ? RED : AC, stroke: "#fff" }),
        n <= 60 && el("s:text", { x: out ? c + (rad + nr + 10) * Math.cos(an) : p[0], y: (out ? c + (rad + nr + 10) * Math.sin(an) : p[1]) + 3.5, "text-anchor": "middle", style: out ? null : "fill:#fff;font-weight:600" }, id)));
    }
    fig.append(svg, el("figcaption", {},
      [["settled", "settled"], ["partial", "partially paid"], ["defaulted", "defaulted"], ["written-off", "written off"], ["open", "not settled"]]
        .filter(([k]) => counts[k]).map(([k, t]) => [el("span.key", { style: "background:" + colors[k] }), `${t} (${counts[k]}) `]),
      el("span.key", { style: `background:${RED};height:9px;width:9px;border-radius:50%` }), "defaulted agent", el("br"),
      `${plural(edges.length, "payable", "payables")} created at setup among ${plural(n, "agent", "agents")}; an arrow points from debtor to creditor. Hover over an arrow or agent for details.`));
  }

  // ---- the dealer's charts (run_dealer.js, in a dealer run's page) ----
  if (typeof dealerCharts === "function") dealerCharts(D.dl, $("#dealer .charts"), chart, el, { AC, AMBER, GREEN, RED, GREY });

  // ---- navigation ----
  document.querySelectorAll("button[data-all]").forEach((b) => b.onclick = () => document.querySelectorAll("details").forEach((d) => d.open = !!b.dataset.all));
  const openTarget = () => {
    const t = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (t && t.tagName === "DETAILS") { t.open = true; t.scrollIntoView(); }
  };
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
