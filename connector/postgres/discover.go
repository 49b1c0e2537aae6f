package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// tableInfo is one replicated table: its Freshet schema and what the
// stream needs to map upstream messages onto it.
type tableInfo struct {
	schema    connector.TableSchema
	oid       uint32
	nspname   string
	relname   string
	replIdent byte // pg_class.relreplident: 'd' (default, with a primary key) or 'f' (full)
	rowFilter string
	cols      []colInfo // parallel to schema.Columns
}

type colInfo struct {
	name string
	up   upstreamType
	typ  types.T
}

// qualified is the quoted upstream name, for SQL and messages.
func (t *tableInfo) qualified() string { return quoteIdent(t.nspname) + "." + quoteIdent(t.relname) }

// Discover connects, validates the upstream (wal_level = logical, the
// publication exists, each table has a primary key or REPLICA IDENTITY
// FULL) and returns the Freshet schemas of the replicated tables. Their
// order is the order of Config.Tables, or else by schema and table name;
// the index in the slice is the connector.Write.Table index.
func (s *Source) Discover(ctx context.Context) ([]connector.TableSchema, error) {
	tables, err := s.discover(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.tables = tables
	s.mu.Unlock()
	out := make([]connector.TableSchema, len(tables))
	for i, t := range tables {
		out[i] = t.schema
	}
	return out, nil
}

func (s *Source) connectSQL(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(s.cfg.ConnString)
	if err != nil {
		return nil, sqlerr.WithCode(err, sqlerr.InvalidParameterValue)
	}
	for _, p := range sessionParams {
		cfg.RuntimeParams[p[0]] = p[1]
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func (s *Source) discover(ctx context.Context) ([]*tableInfo, error) {
	conn, err := s.connectSQL(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tables, err := discoverOn(ctx, conn, s.cfg)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		for _, c := range t.cols {
			if _, exact := freshetType(c.up); !exact {
				s.logger.Warn("postgres source: column type has no Freshet equivalent; replicating its text form",
					"table", t.qualified(), "column", c.name, "type", c.up.name)
			}
		}
	}
	return tables, nil
}

func discoverOn(ctx context.Context, conn *pgx.Conn, cfg Config) ([]*tableInfo, error) {
	var walLevel string
	if err := conn.QueryRow(ctx, "SHOW wal_level").Scan(&walLevel); err != nil {
		return nil, err
	}
	if walLevel != "logical" {
		return nil, definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
			"logical replication requires wal_level = logical, but the upstream server has wal_level = %s", walLevel).
			WithHint("Set wal_level = logical in postgresql.conf and restart the server."))
	}
	var version int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return nil, err
	}
	if version < 100000 {
		return nil, definite(sqlerr.New(sqlerr.FeatureNotSupported, "postgres source requires PostgreSQL 10 or later"))
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_publication WHERE pubname = $1", cfg.Publication).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, definite(sqlerr.New(sqlerr.UndefinedObject, "publication %q does not exist", cfg.Publication))
	}
	all, err := publicationTables(ctx, conn, cfg.Publication, version)
	if err != nil {
		return nil, err
	}
	chosen, err := selectTables(all, cfg)
	if err != nil {
		return nil, err
	}
	for _, t := range chosen {
		if err := loadColumns(ctx, conn, t); err != nil {
			return nil, err
		}
	}
	return chosen, nil
}

// pubTable is one row of pg_publication_tables.
type pubTable struct {
	info     *tableInfo
	attnames []string // the publication's column list; nil = all columns
}

func publicationTables(ctx context.Context, conn *pgx.Conn, pub string, version int) ([]pubTable, error) {
	extra := "NULL::text[], NULL::text"
	if version >= 150000 {
		extra = "pt.attnames, pt.rowfilter"
	}
	rows, err := conn.Query(ctx, `
SELECT c.oid, pt.schemaname::text, pt.tablename::text, c.relreplident::text, `+extra+`
FROM pg_publication_tables pt
JOIN pg_namespace n ON n.nspname = pt.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
WHERE pt.pubname = $1
ORDER BY pt.schemaname, pt.tablename`, pub)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pubTable
	for rows.Next() {
		var (
			t         tableInfo
			ident     string
			attnames  []string
			rowFilter *string
		)
		if err := rows.Scan(&t.oid, &t.nspname, &t.relname, &ident, &attnames, &rowFilter); err != nil {
			return nil, err
		}
		if ident != "" {
			t.replIdent = ident[0]
		}
		if rowFilter != nil {
			t.rowFilter = *rowFilter
		}
		out = append(out, pubTable{info: &t, attnames: attnames})
	}
	return out, rows.Err()
}

// selectTables applies Config.Tables to the publication's tables and
// names them.
func selectTables(all []pubTable, cfg Config) ([]*tableInfo, error) {
	var chosen []*tableInfo
	attnames := map[*tableInfo][]string{}
	for _, p := range all {
		attnames[p.info] = p.attnames
	}
	if len(cfg.Tables) == 0 {
		for _, p := range all {
			p.info.schema.Name = p.info.relname
			chosen = append(chosen, p.info)
		}
	} else {
		for _, m := range cfg.Tables {
			schema, table, qualified := strings.Cut(m.Upstream, ".")
			if !qualified {
				schema, table = "", m.Upstream
			}
			var found *tableInfo
			for _, p := range all {
				if p.info.relname != table || (qualified && p.info.nspname != schema) {
					continue
				}
				if found != nil {
					return nil, definite(sqlerr.New(sqlerr.AmbiguousColumn, "table name %q is ambiguous in publication %q", m.Upstream, cfg.Publication).
						WithHint("Qualify it with its schema."))
				}
				found = p.info
			}
			if found == nil {
				return nil, definite(sqlerr.New(sqlerr.UndefinedTable, "table %q is not in publication %q", m.Upstream, cfg.Publication))
			}
			if slices.Contains(chosen, found) {
				return nil, definite(sqlerr.New(sqlerr.DuplicateTable, "table %q is listed more than once", m.Upstream))
			}
			found.schema.Name = m.Name
			if found.schema.Name == "" {
				found.schema.Name = found.relname
			}
			chosen = append(chosen, found)
		}
	}
	seen := map[string]*tableInfo{}
	for _, t := range chosen {
		if o, dup := seen[t.schema.Name]; dup {
			return nil, definite(sqlerr.New(sqlerr.DuplicateTable, "upstream tables %s and %s would both be named %q",
				o.qualified(), t.qualified(), t.schema.Name).WithHint("Name them with FOR TABLES (... AS ...)."))
		}
		seen[t.schema.Name] = t
		if names := attnames[t]; names != nil {
			t.cols = make([]colInfo, len(names))
			for i, n := range names {
				t.cols[i].name = n
			}
		}
	}
	return chosen, nil
}

// loadColumns reads the columns, primary key and replica identity of t and
// checks that every change can be replicated.
func loadColumns(ctx context.Context, conn *pgx.Conn, t *tableInfo) error {
	rows, err := conn.Query(ctx, `
SELECT a.attname::text, a.atttypid::int8, a.atttypmod, a.attnotnull,
       format_type(a.atttypid, a.atttypmod),
       CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END::int8,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
       b.typtype::text, b.typcategory::text,
       coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0)
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum`, t.oid)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		cols []colInfo
		pk   []pkCol
		meta []connector.Column
	)
	listed := map[string]bool{}
	for _, c := range t.cols {
		listed[c.name] = true
	}
	for rows.Next() {
		var (
			c                 colInfo
			oid, baseOID      int64
			notNull           bool
			typtype, category string
			pkPos             int
		)
		if err := rows.Scan(&c.name, &oid, &c.up.typmod, &notNull, &c.up.name, &baseOID, &c.up.baseMod, &typtype, &category, &pkPos); err != nil {
			return err
		}
		if len(t.cols) > 0 && !listed[c.name] {
			continue // not in the publication's column list
		}
		c.up.oid, c.up.baseOID = uint32(oid), uint32(baseOID)
		if typtype != "" {
			c.up.typtype = typtype[0]
		}
		if category != "" {
			c.up.category = category[0]
		}
		c.typ, _ = freshetType(c.up)
		if pkPos > 0 {
			pk = append(pk, pkCol{pkPos, len(cols)})
		}
		cols = append(cols, c)
		meta = append(meta, connector.Column{Name: c.name, Type: c.typ, NotNull: notNull})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cols) == 0 {
		return definite(sqlerr.New(sqlerr.FeatureNotSupported, "upstream table %s has no replicable columns", t.qualified()))
	}
	slices.SortFunc(pk, func(a, b pkCol) int { return a.pos - b.pos })
	t.cols = cols
	t.schema.Columns = meta
	t.schema.PrimaryKey = nil
	for _, p := range pk {
		t.schema.PrimaryKey = append(t.schema.PrimaryKey, p.col)
	}
	if len(t.schema.PrimaryKey) > 0 && len(t.schema.PrimaryKey) != countPK(pk) {
		t.schema.PrimaryKey = nil
	}
	switch {
	case t.replIdent == 'f':
	case t.replIdent == 'd' && len(pk) > 0:
		if len(t.schema.PrimaryKey) == 0 {
			return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
				"the publication's column list of upstream table %s leaves out primary key columns", t.qualified()))
		}
	case t.replIdent == 'd':
		return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
			"upstream table %s has no primary key and its replica identity is not FULL", t.qualified()).
			WithHint("Add a primary key, or run ALTER TABLE %s REPLICA IDENTITY FULL.", t.qualified()))
	default:
		ident := map[byte]string{'n': "NOTHING", 'i': "USING INDEX"}[t.replIdent]
		return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
			"upstream table %s has REPLICA IDENTITY %s; only DEFAULT (with a primary key) and FULL are supported", t.qualified(), ident).
			WithHint("Run ALTER TABLE %s REPLICA IDENTITY DEFAULT (with a primary key) or FULL.", t.qualified()))
	}
	return nil
}

// pkCol is a primary key column: its 1-based position in the key and its
// column index.
type pkCol struct{ pos, col int }

// countPK is the number of primary key columns, including any the
// publication's column list left out (positions are 1-based and dense).
func countPK(pk []pkCol) int {
	n := 0
	for _, p := range pk {
		n = max(n, p.pos)
	}
	return n
}

// sameSchema reports whether a re-discovered table list matches the one a
// source started with; any difference is an incompatible upstream change.
func sameSchema(a, b []*tableInfo) error {
	if len(a) != len(b) {
		return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
			"the tables of the upstream publication changed (%d tables, now %d)", len(a), len(b)))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.oid != y.oid || x.schema.Name != y.schema.Name {
			return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
				"upstream table %s was dropped or replaced", x.qualified()))
		}
		if !sameColumns(x, y.cols) {
			return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
				"the schema of upstream table %s changed incompatibly", x.qualified()).
				WithDetail("columns were %s, now %s", describeCols(x.cols), describeCols(y.cols)))
		}
	}
	return nil
}

func sameColumns(t *tableInfo, cols []colInfo) bool {
	if len(t.cols) != len(cols) {
		return false
	}
	for i, c := range t.cols {
		if c.name != cols[i].name || c.up.oid != cols[i].up.oid || c.typ != cols[i].typ {
			return false
		}
	}
	return true
}

func describeCols(cols []colInfo) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s %s", quoteIdent(c.name), c.up.name)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLiteral quotes a SQL string literal.
func quoteLiteral(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
