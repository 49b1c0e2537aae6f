package parse

import "github.com/pingcap/tidb/pkg/parser/ast"

// Statement is one parsed statement. Text returns the statement's original
// text (without the terminating semicolon).
type Statement interface {
	Text() string
}

// TiDB is a statement parsed by the TiDB grammar after the Postgres→TiDB
// rewrite: SELECT and set operations, INSERT, UPDATE, DELETE, CREATE VIEW,
// ALTER, other DDL that has no Freshet form, and so on.
//
// NumParams is the highest $n seen; the $n of each ast.ParamMarkerExpr is
// ParamIndex(marker).
type TiDB struct {
	Node      ast.StmtNode
	SQL       string
	NumParams int
}

// CreateTable is CREATE TABLE, parsed by TiDB. The column types in Node are
// placeholders: the Postgres type of each column is ColumnTypes[i] for
// Node.Cols[i] (also available as ColumnType(def)).
type CreateTable struct {
	Node *ast.CreateTableStmt
	// ColumnTypes holds the canonical Postgres type name of each column
	// ("bigint", "numeric(10,2)", "timestamptz"; see CastTarget).
	ColumnTypes []string
	// AppendOnly is set by the Freshet option CREATE TABLE ... APPEND ONLY.
	AppendOnly bool
	SQL        string
	NumParams  int
}

// ColumnType returns the Postgres type name of one of c.Node's columns, or
// "" if def is not one of them.
func (c *CreateTable) ColumnType(def *ast.ColumnDef) string {
	for i, d := range c.Node.Cols {
		if d == def && i < len(c.ColumnTypes) {
			return c.ColumnTypes[i]
		}
	}
	return ""
}

// CreateMaterializedView is
// CREATE [OR REPLACE] MATERIALIZED VIEW [IF NOT EXISTS] name [(cols)] AS query.
type CreateMaterializedView struct {
	// Name is the view name; a qualified name is joined with "." and each
	// part follows the identifier rule of the package doc.
	Name        string
	IfNotExists bool
	OrReplace   bool
	Columns     []string
	// Query is the defining query (*ast.SelectStmt or *ast.SetOprStmt).
	Query ast.ResultSetNode
	// QueryText is the original text of the query. Parse(QueryText) parses
	// the same query again (it yields one *TiDB statement).
	QueryText string
	NumParams int
	SQL       string
}

// ObjectKind is the kind of object a DROP or SHOW statement names.
type ObjectKind uint8

// The object kinds.
const (
	KindTable ObjectKind = iota + 1
	KindView
	KindMaterializedView
	KindSource
	KindSink
)

func (k ObjectKind) String() string {
	switch k {
	case KindTable:
		return "table"
	case KindView:
		return "view"
	case KindMaterializedView:
		return "materialized view"
	case KindSource:
		return "source"
	case KindSink:
		return "sink"
	}
	return "unknown"
}

// Drop is DROP TABLE|VIEW|MATERIALIZED VIEW|SOURCE|SINK [IF EXISTS] names
// [CASCADE|RESTRICT].
type Drop struct {
	Kind     ObjectKind
	Names    []string
	IfExists bool
	Cascade  bool
	SQL      string
}

// Show is one of Freshet's listing statements. What is one of "tables",
// "views", "materialized views", "sources", "sinks", "columns",
// "create table", "create view", "create materialized view". Name is the
// object of SHOW COLUMNS and SHOW CREATE.
type Show struct {
	What string
	Name string
	SQL  string
}

// ShowVar is the Postgres SHOW name (a run-time parameter). Name is in
// lower case; SHOW ALL has Name "all", SHOW TRANSACTION ISOLATION LEVEL has
// "transaction_isolation", SHOW TIME ZONE has "timezone".
type ShowVar struct {
	Name string
	SQL  string
}

// SetVar is SET [SESSION|LOCAL] name {=|TO} value, SET TIME ZONE (Name
// "timezone"), SET NAMES (Name "client_encoding"), SET SESSION
// CHARACTERISTICS AS TRANSACTION ... (Name "session_characteristics",
// nothing to set), SET TRANSACTION ... (Name "transaction_characteristics",
// Local), RESET name and RESET ALL (Reset, Name "all").
//
// Value is the value as text: strings unquoted, identifiers in lower case
// (quoted identifiers exact), several values joined with ", ". SET x TO
// DEFAULT is reported as Reset.
type SetVar struct {
	Name  string
	Value string
	Local bool
	Reset bool
	SQL   string
}

// ExplainStmt is EXPLAIN [ANALYZE] [VERBOSE] statement, EXPLAIN (options)
// statement, or EXPLAIN MATERIALIZED VIEW name.
type Explain struct {
	// Query is the explained statement when TiDB parsed it (a SELECT, set
	// operation, INSERT, ...).
	Query ast.StmtNode
	// Stmt is the explained statement when it is one of Freshet's own, such
	// as *CreateMaterializedView; nil otherwise.
	Stmt Statement
	// MaterializedView names the view of EXPLAIN MATERIALIZED VIEW.
	MaterializedView string
	Analyze          bool
	Verbose          bool
	NumParams        int
	SQL              string
}

// TxOp is a transaction-control operation.
type TxOp uint8

// The transaction-control operations.
const (
	TxBegin TxOp = iota + 1
	TxCommit
	TxRollback
)

func (o TxOp) String() string {
	switch o {
	case TxBegin:
		return "begin"
	case TxCommit:
		return "commit"
	case TxRollback:
		return "rollback"
	}
	return "unknown"
}

// TxControl is BEGIN [TRANSACTION|WORK] [modes], START TRANSACTION [modes],
// COMMIT/END, ROLLBACK/ABORT. ReadOnly is set by READ ONLY; Isolation holds
// the isolation level in lower case if one was named.
type TxControl struct {
	Op        TxOp
	ReadOnly  bool
	Isolation string
	SQL       string
}

// Discard is DISCARD ALL (What "all"), PLANS, SEQUENCES or TEMP.
type Discard struct {
	What string
	SQL  string
}

// Deallocate is DEALLOCATE [PREPARE] name | ALL.
type Deallocate struct {
	Name string
	All  bool
	SQL  string
}

// Text implements Statement.
func (s *TiDB) Text() string                   { return s.SQL }
func (s *CreateTable) Text() string            { return s.SQL }
func (s *CreateMaterializedView) Text() string { return s.SQL }
func (s *Drop) Text() string                   { return s.SQL }
func (s *Show) Text() string                   { return s.SQL }
func (s *ShowVar) Text() string                { return s.SQL }
func (s *SetVar) Text() string                 { return s.SQL }
func (s *Explain) Text() string                { return s.SQL }
func (s *TxControl) Text() string              { return s.SQL }
func (s *Discard) Text() string                { return s.SQL }
func (s *Deallocate) Text() string             { return s.SQL }

var (
	_ Statement = (*TiDB)(nil)
	_ Statement = (*CreateTable)(nil)
	_ Statement = (*CreateMaterializedView)(nil)
	_ Statement = (*Drop)(nil)
	_ Statement = (*Show)(nil)
	_ Statement = (*ShowVar)(nil)
	_ Statement = (*SetVar)(nil)
	_ Statement = (*Explain)(nil)
	_ Statement = (*TxControl)(nil)
	_ Statement = (*Discard)(nil)
	_ Statement = (*Deallocate)(nil)
)
