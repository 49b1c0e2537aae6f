package planner

import (
	"errors"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// scopeCol is one column visible to expressions: a column of the row that
// the expressions are evaluated over, with the names it can be called by.
type scopeCol struct {
	table    string // table name or alias; "" for none
	name     string
	typ      types.T
	nullable bool
	// hidden columns are not found by unqualified names nor expanded by *:
	// the right-hand copy of a JOIN ... USING column.
	hidden bool
	// corr marks the columns of the enclosing query that a correlated
	// subquery receives (hidden too): names resolve to them only when the
	// subquery's own FROM clause has no such column.
	corr bool
}

// scope is the set of columns an expression can refer to. Column i of the
// scope is column i of the row the expression is evaluated over.
type scope struct {
	cols []scopeCol
	// outer is the scope of the enclosing query, consulted only to report
	// correlated references (which are not supported).
	outer *scope
	// grouped is set when expressions are bound over the output of a
	// Reduce (the select list, HAVING and ORDER BY of an aggregate query).
	grouped *grouping
	// clause names the clause being bound ("WHERE", "JOIN conditions"), for
	// "aggregate functions are not allowed in WHERE".
	clause string
	// apply collects the subqueries of the expressions bound over the
	// scope, to be joined to its node; nil where subqueries cannot be.
	apply *applyState
	// star lists the columns * expands to, in order (nil: all, in order);
	// hidden columns in it are skipped.
	star []int
	// corrSink is set on the enclosing-query scope handed to a subquery
	// being planned: references to it are correlations to collect.
	corrSink bool
}

// schema returns the plan schema of the scope's columns.
func (s *scope) schema() plan.Schema {
	out := make(plan.Schema, len(s.cols))
	for i, c := range s.cols {
		out[i] = plan.Column{Name: c.name, Type: c.typ, Nullable: c.nullable}
	}
	return out
}

// scopeFor returns a scope over the columns of node n, all named by table.
func scopeFor(table string, n plan.Node) *scope {
	sch := n.Schema()
	s := &scope{cols: make([]scopeCol, len(sch))}
	for i, c := range sch {
		s.cols[i] = scopeCol{table: table, name: c.Name, typ: c.Type, nullable: c.Nullable}
	}
	return s
}

// hasTable reports whether any column belongs to table.
func (s *scope) hasTable(table string) bool {
	for _, c := range s.cols {
		if c.table == table {
			return true
		}
	}
	return false
}

// resolve finds the column table.name (table may be "") and returns its
// position. A name found only in an enclosing query is a correlated
// reference: reported as *correlatedRef to the subquery planner that
// listens on that scope (see planCorrelated), as 0A000 otherwise.
func (s *scope) resolve(table, name string) (int, error) {
	idx, err := s.find(table, name)
	if err == nil || s.outer == nil {
		return idx, err
	}
	oi, oerr := s.outer.resolve(table, name)
	if oerr == nil {
		if s.outer.corrSink {
			return -1, &correlatedRef{sink: s.outer, index: oi}
		}
		return -1, sqlerr.New(sqlerr.FeatureNotSupported,
			"correlated subqueries are not supported here: %s refers to an outer query", qualName(table, name))
	}
	var cr *correlatedRef
	if errors.As(oerr, &cr) {
		return -1, oerr
	}
	return idx, err
}

// find looks a name up among the scope's own columns: the columns of the
// FROM clause first, then the correlation columns a subquery receives from
// its enclosing query.
func (s *scope) find(table, name string) (int, error) {
	idx, err := s.findIn(table, name, false)
	if err == nil {
		return idx, nil
	}
	var e *sqlerr.Error
	if errors.As(err, &e) && (e.Code == sqlerr.UndefinedColumn || e.Code == sqlerr.UndefinedTable) {
		if i, cerr := s.findIn(table, name, true); cerr == nil {
			return i, nil
		}
	}
	return idx, err
}

func (s *scope) findIn(table, name string, corr bool) (int, error) {
	found := -1
	if table != "" {
		hasTable := false
		for _, c := range s.cols {
			hasTable = hasTable || (c.table == table && c.corr == corr)
		}
		if !hasTable {
			return -1, sqlerr.New(sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", table)
		}
		for i, c := range s.cols {
			if c.table == table && c.name == name && c.corr == corr {
				if found >= 0 {
					return -1, sqlerr.New(sqlerr.AmbiguousColumn, "column reference %q is ambiguous", table+"."+name)
				}
				found = i
			}
		}
		if found < 0 {
			return -1, sqlerr.New(sqlerr.UndefinedColumn, "column %s.%s does not exist", table, name)
		}
		return found, nil
	}
	for i, c := range s.cols {
		if c.name == name && c.corr == corr && (!c.hidden || corr) {
			if found >= 0 {
				return -1, sqlerr.New(sqlerr.AmbiguousColumn, "column reference %q is ambiguous", name)
			}
			found = i
		}
	}
	if found < 0 {
		return -1, sqlerr.New(sqlerr.UndefinedColumn, "column %q does not exist", name)
	}
	return found, nil
}

func qualName(table, name string) string {
	if table == "" {
		return name
	}
	return table + "." + name
}

// colRef returns a reference to column i of s.
func (s *scope) colRef(i int) *plan.ColRef {
	return &plan.ColRef{Index: i, Typ: s.cols[i].typ, Name: s.cols[i].name}
}

// concat returns the scope of a join's output: l's columns then r's.
func concatScopes(l, r *scope) *scope {
	cols := make([]scopeCol, 0, len(l.cols)+len(r.cols))
	cols = append(cols, l.cols...)
	cols = append(cols, r.cols...)
	return &scope{cols: cols, outer: l.outer, star: nil}
}
