package render

import (
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table writes rows under headers with light box borders. Columns listed
// in right are right-aligned (numbers); the rest are left-aligned. Headers
// are printed as given, not upper-cased.
func Table(w io.Writer, headers []string, rows [][]string, right ...int) error {
	align := make([]tw.Align, len(headers))
	for i := range align {
		align[i] = tw.AlignLeft
	}
	for _, c := range right {
		if c < len(align) {
			align[c] = tw.AlignRight
		}
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignCenter),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithEastAsian(tw.Off),
	)
	t.Header(headers)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}
