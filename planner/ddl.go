package planner

import (
	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// PlanCreateTable turns CREATE TABLE into the relation to add to the
// catalog (without an ID). It checks the definition — duplicate columns
// (42701), several primary keys (42P16) — and refuses what Freshet does
// not implement (DEFAULT, UNIQUE, CHECK, FOREIGN KEY, ...) with 0A000.
// Primary key columns are NOT NULL.
func PlanCreateTable(cat *catalog.Catalog, ct *parse.CreateTable) (_ *catalog.Relation, err error) {
	defer recoverInternal(&err)
	s := ct.Node
	switch {
	case s.ReferTable != nil:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE TABLE ... LIKE is not supported")
	case s.Select != nil:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE TABLE ... AS is not supported")
	case s.TemporaryKeyword != ast.TemporaryNone:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "temporary tables are not supported")
	case s.Partition != nil:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "partitioned tables are not supported")
	case len(s.Options) > 0:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "table options are not supported")
	}
	name := s.Table.Name.O
	if schema := s.Table.Schema.O; schema != "" && schema != "public" {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "tables can be created only in schema public")
	}
	if len(s.Cols) == 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "tables without columns are not supported")
	}
	rel := &catalog.Relation{Name: name, Kind: catalog.Table, AppendOnly: ct.AppendOnly, SQL: ct.SQL}
	var pk []int
	pkSet := false
	setPK := func(cols []int) error {
		if pkSet {
			return sqlerr.New(sqlerr.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", name)
		}
		pkSet = true
		pk = cols
		return nil
	}
	for _, def := range s.Cols {
		colName := def.Name.Name.O
		if rel.ColumnIndex(colName) >= 0 {
			return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", colName)
		}
		typeName := ct.ColumnType(def)
		if typeName == "" {
			return nil, sqlerr.New(sqlerr.Internal, "no type recorded for column %q", colName)
		}
		t, err := typeByName(typeName)
		if err != nil {
			return nil, err
		}
		col := catalog.Column{Name: colName, Type: t}
		for _, opt := range def.Options {
			switch opt.Tp {
			case ast.ColumnOptionNotNull:
				col.NotNull = true
			case ast.ColumnOptionNull:
				col.NotNull = false
			case ast.ColumnOptionPrimaryKey:
				if err := setPK([]int{len(rel.Columns)}); err != nil {
					return nil, err
				}
			case ast.ColumnOptionDefaultValue:
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DEFAULT values are not supported (column %q)", colName)
			case ast.ColumnOptionUniqKey:
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "UNIQUE constraints are not supported (column %q)", colName)
			case ast.ColumnOptionCheck:
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CHECK constraints are not supported (column %q)", colName)
			case ast.ColumnOptionReference:
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "FOREIGN KEY constraints are not supported (column %q)", colName)
			case ast.ColumnOptionGenerated:
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "generated columns are not supported (column %q)", colName)
			case ast.ColumnOptionComment:
			default:
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "column option is not supported (column %q)", colName)
			}
		}
		rel.Columns = append(rel.Columns, col)
	}
	for _, c := range s.Constraints {
		switch c.Tp {
		case ast.ConstraintPrimaryKey:
			var cols []int
			for _, k := range c.Keys {
				if k.Column == nil {
					return nil, sqlerr.New(sqlerr.FeatureNotSupported, "expressions in PRIMARY KEY are not supported")
				}
				i := rel.ColumnIndex(k.Column.Name.O)
				if i < 0 {
					return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q named in key does not exist", k.Column.Name.O)
				}
				for _, j := range cols {
					if j == i {
						return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q appears twice in primary key constraint", k.Column.Name.O)
					}
				}
				cols = append(cols, i)
			}
			if err := setPK(cols); err != nil {
				return nil, err
			}
		case ast.ConstraintForeignKey:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "FOREIGN KEY constraints are not supported")
		case ast.ConstraintCheck:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CHECK constraints are not supported")
		case ast.ConstraintUniq, ast.ConstraintUniqKey, ast.ConstraintUniqIndex:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "UNIQUE constraints are not supported")
		default:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "table constraint is not supported")
		}
	}
	for _, i := range pk {
		rel.Columns[i].NotNull = true
	}
	rel.PrimaryKey = pk
	return rel, nil
}
