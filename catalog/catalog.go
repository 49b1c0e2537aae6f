package catalog

import (
	"cmp"
	"slices"
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// ID identifies an object for its whole life; IDs are never reused.
type ID uint64

// Kind is the kind of a relation.
type Kind uint8

const (
	Table Kind = iota + 1
	View
	MaterializedView
	// Source is an ingestion from an external system; it owns the tables
	// it writes, which are read-only to users.
	Source
	// Sink delivers the changes of the relation it depends on to an
	// external system; it has no columns of its own.
	Sink
)

func (k Kind) String() string {
	switch k {
	case Table:
		return "table"
	case View:
		return "view"
	case MaterializedView:
		return "materialized view"
	case Source:
		return "source"
	case Sink:
		return "sink"
	}
	return "unknown"
}

// Column is a column of a relation.
type Column struct {
	Name    string  `json:"name"`
	Type    types.T `json:"type"`
	NotNull bool    `json:"not_null,omitempty"`
}

// Relation is a table or a view.
type Relation struct {
	ID      ID       `json:"id"`
	Name    string   `json:"name"`
	Kind    Kind     `json:"kind"`
	Columns []Column `json:"columns"`
	// PrimaryKey lists the column positions of the primary key (tables),
	// empty if none.
	PrimaryKey []int `json:"primary_key,omitempty"`
	// AppendOnly tables refuse UPDATE and DELETE.
	AppendOnly bool `json:"append_only,omitempty"`
	// SQL is the defining statement as the user wrote it (CREATE ...).
	SQL string `json:"sql"`
	// Query is the defining SELECT of a view, as text.
	Query string `json:"query,omitempty"`
	// DependsOn lists the relations a view reads directly, and for a
	// source's table the source.
	DependsOn []ID `json:"depends_on,omitempty"`
	// Source is set on the tables a source writes: users cannot write them.
	Source ID `json:"source,omitempty"`
	// Connector names a source's or sink's kind ("postgres", "loadgen",
	// "clickhouse"), and Options holds its settings (connection string,
	// publication, table, ...).
	Connector string            `json:"connector,omitempty"`
	Options   map[string]string `json:"options,omitempty"`
}

// ColumnIndex returns the position of the named column, or -1.
func (r *Relation) ColumnIndex(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Catalog is an immutable snapshot of all objects. Version grows with every
// change; plans record the version they were made against.
type Catalog struct {
	Version uint64
	NextID  ID
	byID    map[ID]*Relation
	byName  map[string]ID
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{NextID: 1, byID: map[ID]*Relation{}, byName: map[string]ID{}}
}

// Clone returns a copy that may be changed without affecting c.
func (c *Catalog) Clone() *Catalog {
	n := &Catalog{Version: c.Version, NextID: c.NextID,
		byID: make(map[ID]*Relation, len(c.byID)), byName: make(map[string]ID, len(c.byName))}
	for id, r := range c.byID {
		n.byID[id] = r
	}
	for k, v := range c.byName {
		n.byName[k] = v
	}
	return n
}

// Normalize returns the catalog form of an identifier. The parser already
// folds unquoted identifiers to lower case and keeps quoted ones exact, as
// Postgres does, so a parsed name is its catalog form; Normalize only trims
// it. Names from outside SQL (an HTTP path) are looked up as given.
func Normalize(name string) string { return strings.TrimSpace(name) }

// Lookup finds a relation by name.
func (c *Catalog) Lookup(name string) (*Relation, bool) {
	id, ok := c.byName[name]
	if !ok {
		return nil, false
	}
	return c.byID[id], true
}

// Resolve finds a relation by name or returns 42P01.
func (c *Catalog) Resolve(name string) (*Relation, error) {
	if r, ok := c.Lookup(name); ok {
		return r, nil
	}
	return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", name)
}

// ByID finds a relation by ID.
func (c *Catalog) ByID(id ID) (*Relation, bool) {
	r, ok := c.byID[id]
	return r, ok
}

// Relations returns all relations ordered by ID (creation order).
func (c *Catalog) Relations() []*Relation {
	out := make([]*Relation, 0, len(c.byID))
	for _, r := range c.byID {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Relation) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Dependents returns the relations that read id directly.
func (c *Catalog) Dependents(id ID) []*Relation {
	var out []*Relation
	for _, r := range c.Relations() {
		if slices.Contains(r.DependsOn, id) {
			out = append(out, r)
		}
	}
	return out
}

// Add registers r (whose ID must be unset) under a fresh ID. It fails with
// 42P07 if the name is taken. c must be a private Clone.
func (c *Catalog) Add(r *Relation) (*Relation, error) {
	if _, ok := c.byName[r.Name]; ok {
		return nil, sqlerr.New(sqlerr.DuplicateTable, "relation %q already exists", r.Name)
	}
	if r.ID == 0 {
		r.ID = c.NextID
	}
	if r.ID >= c.NextID {
		c.NextID = r.ID + 1
	}
	c.byID[r.ID] = r
	c.byName[r.Name] = r.ID
	c.Version++
	return r, nil
}

// Remove drops the relation id. c must be a private Clone.
func (c *Catalog) Remove(id ID) {
	if r, ok := c.byID[id]; ok {
		delete(c.byName, r.Name)
		delete(c.byID, id)
		c.Version++
	}
}

// DropOrder returns id and, if cascade, everything that depends on it
// transitively, ordered so that dependents come before what they read. Without
// cascade it fails with 2BP01 when anything depends on id.
func (c *Catalog) DropOrder(id ID, cascade bool) ([]*Relation, error) {
	r := c.byID[id]
	deps := c.Dependents(id)
	if len(deps) > 0 && !cascade {
		names := make([]string, len(deps))
		for i, d := range deps {
			names[i] = d.Kind.String() + " " + d.Name
		}
		return nil, sqlerr.New(sqlerr.DependentObjectsStillExist,
			"cannot drop %s %s because other objects depend on it", r.Kind, r.Name).
			WithDetail("%s depends on %s %s", strings.Join(names, ", "), r.Kind, r.Name).
			WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	}
	var order []*Relation
	seen := map[ID]bool{}
	var visit func(*Relation)
	visit = func(r *Relation) {
		if seen[r.ID] {
			return
		}
		seen[r.ID] = true
		for _, d := range c.Dependents(r.ID) {
			visit(d)
		}
		order = append(order, r)
	}
	visit(r)
	return order, nil
}
