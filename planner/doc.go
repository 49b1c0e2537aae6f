// Package planner turns parsed SQL (TiDB AST from sql/parse) into
// relational plans (planner/plan) against a catalog snapshot.
//
// Planning a statement binds names and types: every column reference is
// resolved in a scope (the columns of the FROM clause, with their table
// aliases), every literal, parameter and call gets a type with Postgres's
// rules (untyped string literals and $n parameters take their type from
// context; functions and operators are resolved in sql/builtin with
// implicit coercions made explicit as plan.Cast). The result is a tree of
// plan nodes whose expressions refer to columns by position.
//
// The planner applies a few rewrites while it builds: predicates are
// pushed below joins, WHERE equalities between relations become join keys
// and comma joins are ordered so that every join has keys when the query
// allows it, aggregates are computed by a Reduce under a Project, set
// operations become Union, Negate, Threshold and Distinct, and subqueries
// (correlated or not) are decorrelated into joins (see correlate.go).
//
// Files: planner.go (entry points), builder.go (statement state, type
// coercion), scope.go (name resolution), scalar.go (expressions), from.go
// (FROM, joins, views, CTEs), select.go (SELECT blocks), agg.go (GROUP BY
// and aggregates), setop.go (UNION, INTERSECT, EXCEPT), correlate.go and
// subquery.go (subqueries), dml.go (INSERT, UPDATE, DELETE), ddl.go
// (CREATE TABLE).
//
// The planner never imports the executor.
package planner
