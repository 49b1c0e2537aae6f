package session

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

// rowsResult is a fully computed result.
type rowsResult struct {
	rows []datum.Row
	next int
	tag  string
}

var _ pgwire.Result = (*rowsResult)(nil)

func (r *rowsResult) Next(ctx context.Context) (datum.Row, error) {
	if r.next >= len(r.rows) {
		return nil, io.EOF
	}
	if r.next%1024 == 1023 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	row := r.rows[r.next]
	r.next++
	return row, nil
}

func (r *rowsResult) Tag() string { return r.tag }
func (r *rowsResult) Close()      { r.rows = nil }

// tagResult is the result of a statement that returns no rows.
func tagResult(tag string) *rowsResult { return &rowsResult{tag: tag} }

// textColumns describes a result of text columns with the given names.
func textColumns(names ...string) []pgwire.Column {
	cols := make([]pgwire.Column, len(names))
	for i, n := range names {
		cols[i] = pgwire.Column{Name: n, Type: types.TextT}
	}
	return cols
}

// textRows builds rows of text datums.
func textRows(rows ...[]string) []datum.Row {
	out := make([]datum.Row, len(rows))
	for i, r := range rows {
		row := make(datum.Row, len(r))
		for j, v := range r {
			row[j] = datum.NewText(v)
		}
		out[i] = row
	}
	return out
}

// sortRows orders text rows by their first column.
func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
}

// deallocResult asks pgwire to drop prepared statements it holds.
type deallocResult struct {
	*rowsResult
	name string
	all  bool
}

var _ pgwire.DeallocateResult = (*deallocResult)(nil)

func (r *deallocResult) Deallocate() (string, bool) { return r.name, r.all }
