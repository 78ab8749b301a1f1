package render

import (
	"bytes"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table writes rows under headers with light box borders, at most width
// columns wide. A table that fits is drawn whole. A wider one is narrowed
// by tablewriter in steps, each only when the one before does not fit:
// the headers wrap between words ("correct loss" over two lines), then the
// cells lose their right padding as well, and last the cells wrap too —
// so a number stays with its unit ("62.90 %") whenever it can. tablewriter may
// overshoot its MaxWidth by the borders, so it is lowered column by column
// until the drawing fits. Columns listed in right are right-aligned
// (numbers); the rest are left-aligned. Headers are printed as given, not
// upper-cased.
func Table(w io.Writer, width int, headers []string, rows [][]string, right ...int) error {
	out, err := drawTable(headers, rows, right, 0, natural)
	for n := headersWrap; n <= cellsWrap; n++ {
		for limit := width; err == nil && Widest(string(out)) > width && limit > width/2; limit-- {
			out, err = drawTable(headers, rows, right, limit, n)
		}
	}
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// The steps by which Table narrows a table.
type narrowing int

const (
	natural     narrowing = iota
	headersWrap           // headers wrap between words
	tightCells            // and cells have no right padding
	cellsWrap             // and cells wrap between words
)

// drawTable draws the table, narrowed to maxWidth columns by the step n.
func drawTable(headers []string, rows [][]string, right []int, maxWidth int, n narrowing) ([]byte, error) {
	align := make([]tw.Align, len(headers))
	for i := range align {
		align[i] = tw.AlignLeft
	}
	for _, c := range right {
		if c < len(align) {
			align[c] = tw.AlignRight
		}
	}
	headWrap, rowWrap := tw.WrapNone, tw.WrapNone
	if n >= headersWrap {
		headWrap = tw.WrapNormal
	}
	if n >= cellsWrap {
		rowWrap = tw.WrapNormal
	}
	padding := tw.Padding{Left: " ", Right: " ", Overwrite: true}
	if n >= tightCells {
		padding.Right = ""
	}
	var b bytes.Buffer
	t := tablewriter.NewTable(&b,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignCenter),
		tablewriter.WithMaxWidth(maxWidth),
		tablewriter.WithRowAutoWrap(rowWrap),
		tablewriter.WithHeaderAutoWrap(headWrap),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithPadding(padding),
	)
	t.Header(headers)
	if err := t.Bulk(rows); err != nil {
		return nil, err
	}
	if err := t.Render(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
