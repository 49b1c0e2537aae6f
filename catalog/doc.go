// Package catalog is the registry of named objects: tables, views and
// materialized views (later sources and sinks), their IDs, columns, keys and
// dependencies. The catalog is a value that the coordinator owns and
// changes one statement at a time; every change is made durable (by the
// storage log) before the statement returns. Readers get an immutable
// snapshot (*Catalog is never mutated once published: changes go to a
// Clone).
//
// The catalog knows nothing of plans, operators or the wire.
package catalog
