// Package parse turns SQL text from Postgres clients into statements. It
// is the only importer of the TiDB parser (github.com/pingcap/tidb/pkg/parser)
// and carries its value driver (test_driver) and dialect settings.
//
// # Layers
//
//	lexer.go     Postgres tokens: identifiers (folded to lower case),
//	             "quoted" identifiers, '..', E'..', $tag$..$tag$ strings,
//	             numbers, $n, operators by Postgres's rules, nested comments.
//	parse.go     Parse: split at ';', dispatch, run TiDB, map errors back.
//	intercept.go Statements Freshet parses itself: SHOW, SET/RESET,
//	             BEGIN/COMMIT/..., DISCARD, DEALLOCATE, EXPLAIN, DROP of
//	             Freshet objects, CREATE MATERIALIZED VIEW (prefix scanned,
//	             query parsed by TiDB); 0A000 for LISTEN, VACUUM, ...
//	source.go    CREATE SOURCE (POSTGRES, LOAD GENERATOR), CREATE SINK
//	             (CLICKHOUSE).
//	subscribe.go SUBSCRIBE, COPY (query) TO STDOUT, DECLARE ... CURSOR FOR,
//	             FETCH, CLOSE (the streaming read path of DESIGN.md §3).
//	rewrite*.go  The token-level Postgres→TiDB rewriter (rules below):
//	             rewrite.go the driver and output, rewrite_token.go the
//	             per-token rules, rewrite_expr.go and rewrite_clause.go the
//	             larger constructs, rewrite_scan.go operand extents.
//	keywords.go  Word lists derived from the TiDB grammar.
//	check.go     AST pass after TiDB: numbers $n markers, rejects silent
//	             misparses (COMPAT.md §1.1).
//	typename.go  Postgres type names; CastTarget and the other helpers
//	             that recognise the rewriter's function-call shapes.
//	stmt.go      Statement types.
//
// # Statements
//
// Parse returns pointers: *TiDB (anything the TiDB grammar parsed after
// the rewrite: SELECT, set operations, INSERT, UPDATE, DELETE, CREATE VIEW,
// other DDL), *CreateTable, *CreateMaterializedView, *CreateSource,
// *CreateSink, *Drop, *Show, *ShowVar, *SetVar, *Explain, *TxControl,
// *Discard, *Deallocate, *Subscribe, *Copy, *DeclareCursor, *Fetch,
// *CloseCursor. Text() is each statement's original text; a TiDB node's
// own Text() is set to it as well.
//
// Every TiDB parse runs with ANSI_QUOTES | PIPES_AS_CONCAT |
// NO_BACKSLASH_ESCAPES: "x" is an identifier, || concatenates, and '\n'
// is two characters, as in Postgres with standard_conforming_strings on.
//
// # Identifiers
//
// The lexer folds unquoted identifiers to lower case and passes quoted ones
// through with their case, so in TiDB nodes Name.O is the exact Postgres
// name ("Foo" stays Foo, Foo becomes foo) and Name.L its lower-case form.
// Use .O for Postgres semantics (output column names, catalog lookups of
// quoted names); .L compares case-insensitively (TiDB loses whether a name
// was quoted, so .L cannot tell "Foo" from foo). Words TiDB reserves but
// Postgres does not (key, schema, index, ...) are quoted for TiDB where they
// stand as names, as are column aliases after AS (AS update, AS table).
// SQL's niladic functions user, current_user, session_user, current_role,
// current_catalog, current_schema arrive as calls (user → current_user()).
//
// # Parameters
//
// $n becomes "?" for TiDB; after parsing, each *ast.ParamMarkerExpr
// carries its Postgres number: ParamIndex(marker) returns n (1-based), so
// "$2 ... $1 ... $2" yields markers 2, 1, 2. NumParams is the highest n.
// LIMIT $1 OFFSET $2 works. A statement may instead use "?" markers
// (numbered by position); mixing both is a syntax error.
//
// # Shapes the planner sees
//
// Casts. x::t, CAST(x AS t), typed literals (DATE '2024-01-01',
// TIMESTAMPTZ '...') and Postgres interval literals (INTERVAL '5 minutes',
// INTERVAL '-2 day', INTERVAL '5' MINUTE) all become the call
// freshet_cast(x, 'type'); CastTarget(expr) returns the canonical type
// name ("integer", "numeric(10,2)", "timestamptz", "interval",
// "smallint[]" for array types, "regclass", MySQL's "signed"...) and the
// operand; SplitTypeName separates modifiers. INTERVAL 'v' DAY TO SECOND
// keeps the fields in the type name ("interval day to second").
//
// MySQL intervals. ts + INTERVAL 5 MINUTE (a number, not a string) is left
// to TiDB: a *ast.FuncCallExpr DATE_ADD / DATE_SUB with Args [ts, 5,
// *ast.TimeUnitExpr]. In window frames (RANGE BETWEEN INTERVAL '5 minutes'
// PRECEDING) the Postgres literal is turned into TiDB's INTERVAL 5 MINUTE
// frame bound.
//
// EXTRACT(field FROM x) → freshet_extract('field', x) (ExtractField).
//
// Regular expressions. a ~ b → a REGEXP b (case-sensitive, Postgres
// semantics are the planner's to implement), a !~ b → a NOT REGEXP b,
// a ~* b → a REGEXP '(?i)' || b (the embedded flag makes it
// case-insensitive in both Postgres and Go regexps), !~* likewise negated.
// ~~, ~~*, !~~, !~~* become LIKE, ILIKE, NOT LIKE, NOT ILIKE.
// OPERATOR(pg_catalog.op) is op.
//
// IS NOT DISTINCT FROM → <=>; a IS DISTINCT FROM b → NOT (a <=> b).
//
// Arrays and composites (catalog queries; see typename.go for the list):
// freshet_array, freshet_subscript, freshet_any, freshet_all,
// freshet_field; a function call in FROM becomes a derived table
// (SELECT freshet_table('name', args...)) keeping its alias, and a
// one-column alias list f(x) AS t(c) names that field: (SELECT
// freshet_table('f', x) AS c) AS t. Without a column list Postgres names
// a scalar table function's column after the table alias (FROM unnest(a) u
// has column u): the planner must apply that rule to freshet_table.
//
// Aggregate FILTER. agg(x) FILTER (WHERE c) → agg(CASE WHEN c THEN x END)
// (count(*) counts CASE WHEN c THEN 1 END) for the aggregates that skip
// NULLs (count, sum, avg, min, max, string_agg, bool_and/or, stddev and
// variance forms, bit_and/or/xor); FILTER on others is 0A000.
//
// VALUES lists used as queries (a statement, or a parenthesized subquery)
// become SELECT ... UNION ALL SELECT ..., with the first row's fields named
// column1, column2, ... or by the subquery's alias list, (VALUES (1, 'a'))
// AS v(id, name), which is then dropped. INSERT ... VALUES is TiDB's own.
//
// LIMIT/OFFSET. TiDB knows only LIMIT n [OFFSET m]: OFFSET m LIMIT n and
// OFFSET m [ROWS] FETCH FIRST n ROWS ONLY are reordered, and a lone OFFSET m
// (or LIMIT ALL OFFSET m) becomes LIMIT 18446744073709551615 OFFSET m, i.e.
// no limit. FETCH FIRST n ROWS ONLY alone is TiDB's own.
//
// Dropped without changing meaning: COLLATE "C" / "POSIX" / "default" /
// pg_catalog.default / ucs_basic (other collations are 0A000), NULLS
// FIRST/LAST when it matches Postgres's default (NULLS LAST ascending,
// NULLS FIRST descending; the other combinations are 0A000), LIMIT ALL,
// the ROWS of OFFSET n ROWS. E'...' and dollar-quoted strings become plain
// literals with escapes resolved. x ISNULL / x NOTNULL become IS [NOT] NULL.
//
// CREATE TABLE. Each column's Postgres type is recorded in
// CreateTable.ColumnTypes (canonical names as for casts; "serial" kept)
// and replaced by a placeholder for TiDB: read types only through
// CreateTable.ColumnType / ColumnTypes, never from the TiDB ColumnDef.
// CREATE TABLE ... APPEND ONLY sets CreateTable.AppendOnly.
//
// # Rejected with 0A000
//
// FULL [OUTER] JOIN ("not supported yet"), DISTINCT ON, RETURNING, ON CONFLICT, GROUPING SETS / CUBE / ROLLUP, SIMILAR TO,
// WITHIN GROUP, array slices, JSON and other Postgres operators with a
// different MySQL meaning (#, @, &&, ^, ->, ->>, ...), array column types
// and identity columns in CREATE TABLE, U&'...' strings, and the
// statements COPY other than COPY (query) TO STDOUT, scrollable or binary
// cursors, FETCH other than forward, MOVE, LISTEN, NOTIFY, VACUUM,
// PREPARE, EXECUTE, savepoints, sources and sinks of other kinds, and
// CREATE FUNCTION and friends.
//
// # Errors
//
// All errors are *sqlerr.Error. Expressions nested so deeply that the
// rewrite would take quadratic time (a wrap spanning more than 4096
// tokens, such as a chain of hundreds of casts) fail with 54000. Syntax errors are 42601 with Postgres's
// message (syntax error at or near "FROM", syntax error at end of input)
// and Position, the 1-based character offset of the offending token in
// the text given to Parse (TiDB's positions are mapped back through the
// rewrite).
//
// # Concurrency
//
// Parse is safe for concurrent use: every call uses its own TiDB parser
// (a pooled parser would reuse memory that returned ASTs still point to).
package parse
