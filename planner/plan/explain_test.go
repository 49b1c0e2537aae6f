package plan

import (
	"testing"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

func TestExplain(t *testing.T) {
	get := &Get{ID: 1, Name: "t", Cols: Schema{{Name: "a", Type: types.Int4T}, {Name: "b", Type: types.TextT}}}
	a := &ColRef{Index: 0, Typ: types.Int4T, Name: "a"}
	q := &Query{
		Root: &Project{
			Input: &Filter{Input: get, Pred: &IsNull{Arg: &ColRef{Index: 1, Typ: types.TextT, Name: "b"}, Negated: true}},
			Exprs: []Expr{a, &Cast{Arg: a, To: types.Int8T}},
			Cols:  Schema{{Name: "a", Type: types.Int4T}, {Name: "a8", Type: types.Int8T}},
		},
		OrderBy: []SortKey{{Col: 1, Desc: true, NullsFirst: true}, {Col: 0, NullsFirst: true}},
		Limit:   10,
		Visible: 1,
	}
	want := "Order [#1 desc, #0 nulls first]\n" +
		"Limit 10 offset 0\n" +
		"Visible 1\n" +
		"Project [#0(a), #0(a)::bigint]\n" +
		"  Filter #1(b) IS NOT NULL\n" +
		"    Get t\n"
	if got := Explain(q); got != want {
		t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
	}
	v := &Values{Rows: []datum.Row{{datum.NewInt4(1), datum.NewText("x'y")}},
		Cols: Schema{{Name: "a", Type: types.Int4T}, {Name: "b", Type: types.TextT}}}
	if got, want := ExplainNode(v), "Values (1, 'x''y')\n"; got != want {
		t.Errorf("ExplainNode = %q, want %q", got, want)
	}
}
