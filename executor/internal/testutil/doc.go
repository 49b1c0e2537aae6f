// Package testutil holds helpers shared by the executor's tests: a small
// set of hand-written scalar functions (so that executor tests do not
// depend on the full builtin library), and a parser for the row notation
// of the datadriven test files.
package testutil
