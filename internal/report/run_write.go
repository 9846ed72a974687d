package report

import (
	"bytes"
	"html/template"
	"strconv"
)

// The bulk of run.html — the event tables and the T-account grids, which
// grow with agents × days — is written by hand into a buffer rather than
// through html/template, whose reflection and contextual escaping dominate
// the cost of a large page. html/template still renders the frame and
// receives these fragments as template.HTML. Every text goes through
// escapeText, which escapes as html/template does in element content and
// quoted attribute values, so the output is the same.

// htmlBuf accumulates hand-written markup.
type htmlBuf struct{ bytes.Buffer }

// raw appends trusted markup.
func (b *htmlBuf) raw(s string) { b.WriteString(s) }

// text appends s escaped for element content or a quoted attribute value.
func (b *htmlBuf) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case 0:
			rep = "\uFFFD"
		case '"':
			rep = "&#34;"
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '+':
			rep = "&#43;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// html returns the buffer's markup for the template.
func (b *htmlBuf) html() template.HTML { return template.HTML(b.String()) } //nolint:gosec // every text was escaped by text

// eventsHTML is an event table.
func eventsHTML(rows []eventRow) template.HTML {
	var b htmlBuf
	b.Grow(256 + 200*len(rows))
	writeEvents(&b, rows)
	return b.html()
}

func writeEvents(b *htmlBuf, rows []eventRow) {
	b.raw(`<table class="events">
<colgroup><col class="c-kind" /><col class="c-party" /><col class="c-party" /><col class="c-amount" /><col class="c-id" /><col /></colgroup>
<thead><tr><th>Kind</th><th>From / debtor</th><th>To / creditor</th><th class="num">Amount</th><th class="id">Instrument / contract</th><th>Details</th></tr></thead>
<tbody>
`)
	for i := range rows {
		r := &rows[i]
		if r.Default {
			b.raw(`<tr class="default">`)
		} else {
			b.raw(`<tr>`)
		}
		b.raw(`<td class="kind">`)
		b.text(r.Kind)
		b.raw(`</td><td>`)
		b.text(r.From)
		b.raw(`</td><td>`)
		b.text(r.To)
		b.raw(`</td><td class="num">`)
		b.text(r.Amount)
		b.raw(`</td><td class="id">`)
		b.text(r.ID)
		if r.Alias != "" {
			b.raw(`<span class="alias">`)
			b.text(r.Alias)
			b.raw(`</span>`)
		}
		b.raw(`</td><td class="extra">`)
		for _, kv := range r.Extra {
			b.raw(`<span class="kv"><span class="k">`)
			b.text(kv.K)
			b.raw(`</span> `)
			b.text(kv.V)
			b.raw(`</span>`)
		}
		b.raw("</td></tr>\n")
	}
	b.raw(`</tbody>
</table>`)
}

// sheetsHTML is a collapsible grid of T-accounts.
func sheetsHTML(g *sheetGrid) template.HTML {
	var b htmlBuf
	b.Grow(512 + 900*len(g.Cards))
	writeSheets(&b, g)
	return b.html()
}

func writeSheets(b *htmlBuf, g *sheetGrid) {
	b.raw(`<details class="block sheets"`)
	if g.Open {
		b.raw(` open="open"`)
	}
	b.raw(`><summary>`)
	b.text(g.Caption)
	b.raw(` <span class="count">(`)
	b.raw(strconv.Itoa(len(g.Cards)))
	b.raw(" agents)</span></summary>\n")
	if g.Note != "" {
		b.raw(`<p class="note">`)
		b.text(g.Note)
		b.raw("</p>\n")
	}
	if len(g.Cards) > openAgentsMax {
		writeCompactSheets(b, g)
		b.raw("\n</details>")
		return
	}
	b.raw("<div class=\"grid\">\n")
	for i := range g.Cards {
		t := &g.Cards[i]
		if t.Defaulted {
			b.raw(`<div class="tacct defaulted">`)
		} else {
			b.raw(`<div class="tacct">`)
		}
		b.raw("\n<div class=\"thead\"><span class=\"aid\">")
		b.text(t.ID)
		b.raw(`</span><span class="aname">`)
		b.text(t.Name)
		b.raw(`</span><span class="akind">`)
		b.text(t.Kind)
		b.raw("</span></div>\n")
		b.raw(`<div class="tbody"><div class="sidehead">Assets</div><div class="sidehead">Liabilities</div><div>`)
		writeSide(b, &t.Assets)
		b.raw(`</div><div>`)
		writeSide(b, &t.Liabs)
		b.raw(`</div><div class="tot"><span>Total</span><span>`)
		b.text(t.Assets.Total)
		b.raw(`</span></div><div class="tot"><span>Total</span><span>`)
		b.text(t.Liabs.Total)
		b.raw("</span></div></div>\n")
		b.raw(`<div class="tfoot"><span>Net worth</span><span class="num`)
		if t.NetNegative {
			b.raw(` neg`)
		}
		b.raw(`">`)
		b.text(t.Net)
		b.raw("</span></div>\n</div>\n")
	}
	b.raw("</div>\n</details>")
}

func writeSide(b *htmlBuf, s *side) {
	writeLines(b, s.Lines)
	if len(s.All) > 0 {
		b.raw(`<details class="all"><summary>all `)
		b.raw(strconv.Itoa(len(s.All)))
		b.raw(` instruments</summary><div class="scroll">`)
		writeLines(b, s.All)
		b.raw(`</div></details>`)
	}
}

func writeLines(b *htmlBuf, lines []sheetLine) {
	b.raw(`<table class="lines">`)
	for _, l := range lines {
		b.raw(`<tr><td class="k">`)
		b.text(l.Kind)
		b.raw(`</td><td class="p">`)
		b.text(l.Party)
		b.raw(`</td><td class="due">`)
		b.text(l.Due)
		b.raw(`</td><td class="num">`)
		b.text(l.Amount)
		b.raw(`</td></tr>`)
	}
	if len(lines) == 0 {
		b.raw(`<tr><td class="empty">—</td></tr>`)
	}
	b.raw(`</table>`)
}

// writeCompactSheets writes the T-accounts of many agents as one table, a
// row per agent (assets and liabilities side by side), about a fifth of the
// size of the cards; the agent's name and kind are in the row's tooltip.
func writeCompactSheets(b *htmlBuf, g *sheetGrid) {
	b.raw(`<table class="tcompact"><thead><tr><th>Agent</th><th>Assets</th><th class="num">Total</th><th>Liabilities</th><th class="num">Total</th><th class="num">Net worth</th></tr></thead>
<tbody>
`)
	for i := range g.Cards {
		t := &g.Cards[i]
		if t.Defaulted {
			b.raw(`<tr class="defaulted">`)
		} else {
			b.raw(`<tr>`)
		}
		b.raw(`<td class="id" title="`)
		b.text(t.Name)
		b.raw(` · `)
		b.text(t.Kind)
		b.raw(`">`)
		b.text(t.ID)
		b.raw(`</td><td>`)
		writeCompactSide(b, &t.Assets)
		b.raw(`</td><td class="num">`)
		b.text(t.Assets.Total)
		b.raw(`</td><td>`)
		writeCompactSide(b, &t.Liabs)
		b.raw(`</td><td class="num">`)
		b.text(t.Liabs.Total)
		if t.NetNegative {
			b.raw(`</td><td class="num neg">`)
		} else {
			b.raw(`</td><td class="num">`)
		}
		b.text(t.Net)
		b.raw("</td></tr>\n")
	}
	b.raw(`</tbody></table>`)
}

// writeCompactSide writes a side's lines as "kind party due amount", one
// per line, with the full list collapsible when the lines aggregate it.
func writeCompactSide(b *htmlBuf, s *side) {
	writeCompactLines(b, s.Lines)
	if len(s.All) > 0 {
		b.raw(`<details class="all"><summary>all `)
		b.raw(strconv.Itoa(len(s.All)))
		b.raw(` instruments</summary><div class="scroll">`)
		writeCompactLines(b, s.All)
		b.raw(`</div></details>`)
	}
}

func writeCompactLines(b *htmlBuf, lines []sheetLine) {
	if len(lines) == 0 {
		b.raw(`—`)
	}
	for i, l := range lines {
		if i > 0 {
			b.raw(`<br />`)
		}
		b.text(l.Kind)
		b.raw(` <span class="p">`)
		b.text(l.Party)
		if l.Due != "" {
			b.raw(` `)
			b.text(l.Due)
		}
		b.raw(`</span> `)
		b.text(l.Amount)
	}
}
