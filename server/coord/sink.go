package coord

import (
	"context"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// CreateSink registers a sink relation, which reads the one relation in
// rel.DependsOn. In the same durable step it checks that this relation
// still exists and can be subscribed to (a table or a materialized view),
// so a sink never outlives what it reads: dropping that relation needs
// CASCADE and drops the sink too. With ifNotExists an existing name is not
// an error (exists reports it).
func (c *Coordinator) CreateSink(ctx context.Context, rel *catalog.Relation, ifNotExists bool) (exists bool, err error) {
	if rel.Kind != catalog.Sink || len(rel.DependsOn) != 1 {
		return false, sqlerr.New(sqlerr.Internal, "CreateSink needs a sink relation reading one relation")
	}
	_, err = c.submit(ctx, request{ddl: func() error {
		if _, ok := c.cat.Lookup(rel.Name); ok && ifNotExists {
			exists = true
			return nil
		}
		from, ok := c.cat.ByID(rel.DependsOn[0])
		if !ok {
			return sqlerr.New(sqlerr.UndefinedTable, "the relation sink %q reads was dropped", rel.Name)
		}
		if from.Kind != catalog.Table && from.Kind != catalog.MaterializedView {
			return sqlerr.New(sqlerr.WrongObjectType, "%q is a %s, and a sink reads a table or a materialized view", from.Name, from.Kind)
		}
		cat := c.cat.Clone()
		if _, err := cat.Add(rel); err != nil {
			return err
		}
		if err := c.log.AppendCreate(rel); err != nil {
			return sqlerr.WithCode(err, sqlerr.Internal)
		}
		c.cat = cat
		return nil
	}})
	return exists, err
}
