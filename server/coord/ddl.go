package coord

import (
	"context"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Create registers a new relation: a table, a view, or a materialized view
// (whose dataflow is built and hydrated before Create returns, so the next
// read sees it complete). With ifNotExists an existing name is not an
// error (exists reports it).
func (c *Coordinator) Create(ctx context.Context, rel *catalog.Relation, ifNotExists bool) (exists bool, err error) {
	_, err = c.submit(ctx, request{ddl: func() error {
		if _, ok := c.cat.Lookup(rel.Name); ok && ifNotExists {
			exists = true
			return nil
		}
		cat := c.cat.Clone()
		if _, err := cat.Add(rel); err != nil {
			return err
		}
		prev := c.cat
		c.cat = cat
		if rel.Kind == catalog.MaterializedView {
			if err := c.installView(rel); err != nil {
				c.cat = prev
				return err
			}
		}
		if err := c.log.AppendCreate(rel); err != nil {
			c.cat = prev
			delete(c.views, rel.ID)
			return sqlerr.WithCode(err, sqlerr.Internal)
		}
		if rel.Kind == catalog.Table {
			c.tables[rel.ID] = newTable(rel)
		}
		return nil
	}})
	return exists, err
}

// Drop removes the named relation of the given kind and, with cascade,
// everything that depends on it. It returns the relations dropped.
func (c *Coordinator) Drop(ctx context.Context, name string, kind catalog.Kind, ifExists, cascade bool) ([]*catalog.Relation, error) {
	var dropped []*catalog.Relation
	_, err := c.submit(ctx, request{ddl: func() error {
		rel, ok := c.cat.Lookup(name)
		if !ok {
			if ifExists {
				return nil
			}
			if kind == catalog.Table {
				return sqlerr.New(sqlerr.UndefinedTable, "table %q does not exist", name)
			}
			return sqlerr.New(sqlerr.UndefinedTable, "%s %q does not exist", kind, name)
		}
		if rel.Kind != kind {
			return sqlerr.New(sqlerr.WrongObjectType, "%q is not a %s", name, kind).
				WithHint("Use DROP %s to remove a %s.", dropKeyword(rel.Kind), rel.Kind)
		}
		if rel.Source != 0 {
			src, _ := c.cat.ByID(rel.Source)
			return sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot drop table %s because source %s writes it", name, src.Name).
				WithHint("Use DROP SOURCE %s to remove the source and its tables.", src.Name)
		}
		order, err := c.cat.DropOrder(rel.ID, cascade)
		if err != nil {
			return err
		}
		cat := c.cat.Clone()
		for _, r := range order {
			if err := c.log.AppendDrop(r.ID); err != nil {
				return sqlerr.WithCode(err, sqlerr.Internal)
			}
			cat.Remove(r.ID)
			delete(c.tables, r.ID)
			delete(c.views, r.ID)
			c.endSubscriptions(r.ID, r.Name)
		}
		c.cat = cat
		dropped = order
		return nil
	}})
	return dropped, err
}

func dropKeyword(k catalog.Kind) string {
	switch k {
	case catalog.View:
		return "VIEW"
	case catalog.MaterializedView:
		return "MATERIALIZED VIEW"
	case catalog.Source:
		return "SOURCE"
	case catalog.Sink:
		return "SINK"
	}
	return "TABLE"
}

// ExplainView returns the dataflow of a materialized view as text.
func (c *Coordinator) ExplainView(name string) (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	rel, ok := c.cat.Lookup(name)
	if !ok || rel.Kind != catalog.MaterializedView {
		return "", sqlerr.New(sqlerr.UndefinedTable, "materialized view %q does not exist", name)
	}
	return c.views[rel.ID].df.Explain(), nil
}

// CreateSource registers a source and the tables it writes, in one
// durable step. The tables get the source as owner.
func (c *Coordinator) CreateSource(ctx context.Context, src *catalog.Relation, tables []*catalog.Relation) error {
	_, err := c.submit(ctx, request{ddl: func() error {
		cat := c.cat.Clone()
		if _, err := cat.Add(src); err != nil {
			return err
		}
		for _, t := range tables {
			t.Source = src.ID
			t.DependsOn = []catalog.ID{src.ID}
			if _, err := cat.Add(t); err != nil {
				return err
			}
		}
		for _, r := range append([]*catalog.Relation{src}, tables...) {
			if err := c.log.AppendCreate(r); err != nil {
				return sqlerr.WithCode(err, sqlerr.Internal)
			}
		}
		c.cat = cat
		for _, t := range tables {
			c.tables[t.ID] = newTable(t)
		}
		return nil
	}})
	return err
}

// DropSource removes a source and its tables; views over its tables need
// cascade. It returns everything dropped (the source last).
func (c *Coordinator) DropSource(ctx context.Context, name string, ifExists, cascade bool) ([]*catalog.Relation, error) {
	var dropped []*catalog.Relation
	_, err := c.submit(ctx, request{ddl: func() error {
		src, ok := c.cat.Lookup(name)
		if !ok {
			if ifExists {
				return nil
			}
			return sqlerr.New(sqlerr.UndefinedObject, "source %q does not exist", name)
		}
		if src.Kind != catalog.Source {
			return sqlerr.New(sqlerr.WrongObjectType, "%q is not a source", name).
				WithHint("Use DROP %s to remove a %s.", dropKeyword(src.Kind), src.Kind)
		}
		seen := map[catalog.ID]bool{}
		var order []*catalog.Relation
		for _, t := range c.cat.Dependents(src.ID) {
			// The source's own tables go with it; what reads them needs
			// CASCADE.
			for _, d := range c.cat.Dependents(t.ID) {
				if !cascade {
					return sqlerr.New(sqlerr.DependentObjectsStillExist,
						"cannot drop source %s because other objects depend on it", name).
						WithDetail("%s %s depends on table %s", d.Kind, d.Name, t.Name).
						WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
				}
			}
			ts, err := c.cat.DropOrder(t.ID, true)
			if err != nil {
				return err
			}
			for _, r := range ts {
				if !seen[r.ID] {
					seen[r.ID] = true
					order = append(order, r)
				}
			}
		}
		order = append(order, src)
		cat := c.cat.Clone()
		for _, r := range order {
			if err := c.log.AppendDrop(r.ID); err != nil {
				return sqlerr.WithCode(err, sqlerr.Internal)
			}
			cat.Remove(r.ID)
			delete(c.tables, r.ID)
			delete(c.views, r.ID)
			delete(c.positions, r.ID)
			c.endSubscriptions(r.ID, r.Name)
		}
		c.cat = cat
		dropped = order
		return nil
	}})
	return dropped, err
}
