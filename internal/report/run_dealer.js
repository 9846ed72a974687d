// run.html's script for a dealer run: the dealer's trades per day and each
// bucket's inventory over the days (D.dl, see run_data.go). It is packed
// before run.js, which calls it with its chart and element helpers.
function dealerCharts(dl, dbox, chart, el, { AC, AMBER, GREEN, RED, GREY }) {
  if (!dl || !dbox) return;
  const inv = dl.inv.filter((b) => b[1].length);
  const idays = [...new Set(inv.flatMap((b) => b[1].map((p) => p[0])))].sort((a, b) => a - b);
  // Both charts share the day axis: every day with a trade or an inventory.
  const all = idays.concat(dl.t.map((t) => t[0])), span = [Math.min(...all), Math.max(...all)];
  dbox.append(dl.t.length ? chart("Dealer trades per day", dl.t.map((t) => t[0]),
    [{ name: "buys", v: dl.t.map((t) => t[1]), color: AC }, { name: "sells", v: dl.t.map((t) => t[2]), color: AMBER }], { stack: 1, count: 1, span }) : el("p.empty", {}, "The dealer made no trade."));
  if (inv.length) dbox.append(chart("Dealer inventory per bucket (tickets)", idays, inv.map(([name, pts], i) => {
    const m = Object.fromEntries(pts);
    return { name, v: idays.map((d) => d in m ? m[d] : ""), color: [AC, AMBER, GREEN, RED, GREY][i % 5], line: 1 };
  }), { span }));
}
