// Command checkdeps enforces the dependency direction of STYLE.md:
//
//	cmd/<name> → server → planner, executor, catalog, connector → sql/*
//
// It reads the non-test imports of every package of the module from
// `go list` and fails, naming each offending import, when a package imports
// something its layer must not know. Test files are not checked: a test may
// start a whole server to exercise a lower layer.
//
// Usage (from the repository root; `make lint` and `make test` run it):
//
//	go run ./scripts/checkdeps
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
)

const module = "github.com/freshet-db/freshet"

// tidbParser is the import-path prefix of the TiDB parser module.
const tidbParser = "github.com/pingcap/tidb/pkg/parser"

// rule forbids some imports of the packages it applies to.
type rule struct {
	// applies reports whether the rule constrains package pkg (a path
	// relative to the module, like "executor/operator").
	applies func(pkg string) bool
	// forbidden reports whether pkg may not import imp. imp is relative to
	// the module for project packages and absolute otherwise.
	forbidden func(pkg, imp string, project bool) bool
	// why is printed with each violation.
	why string
}

// under reports whether pkg is root or below it.
func under(pkg, root string) bool {
	return pkg == root || strings.HasPrefix(pkg, root+"/")
}

var rules = []rule{
	{
		applies: func(p string) bool { return under(p, "sql") },
		forbidden: func(_, imp string, project bool) bool {
			return project && !under(imp, "sql")
		},
		why: "sql/... is the lingua franca and imports no other project package",
	},
	{
		// The parser itself is sql/parse's alone. Its AST packages (ast and
		// the mysql/opcode constants the AST uses) are data that the planner
		// walks and the session dispatches on; nothing below them may use
		// them, and nothing but the planner and the server needs them.
		applies: func(p string) bool { return !under(p, "sql/parse") },
		forbidden: func(p, imp string, project bool) bool {
			if project || !under(imp, tidbParser) {
				return false
			}
			astData := imp == tidbParser+"/ast" || imp == tidbParser+"/mysql" || imp == tidbParser+"/opcode"
			return !(astData && (under(p, "planner") || p == "server" || under(p, "server/session")))
		},
		why: "only sql/parse imports the TiDB parser (the planner and the session may use its AST types)",
	},
	{
		applies: func(p string) bool { return p == "catalog" },
		forbidden: func(_, imp string, project bool) bool {
			return project && !under(imp, "sql")
		},
		why: "catalog imports only sql/...",
	},
	{
		applies: func(p string) bool { return under(p, "planner") },
		forbidden: func(_, imp string, project bool) bool {
			return project && (under(imp, "executor") || under(imp, "server"))
		},
		why: "the planner never imports the executor or the server",
	},
	{
		applies: func(p string) bool { return under(p, "executor") },
		forbidden: func(_, imp string, project bool) bool {
			if !project {
				return false
			}
			return imp == "catalog" || under(imp, "server") || under(imp, "sql/parse") ||
				(under(imp, "planner") && imp != "planner/plan")
		},
		why: "the executor may import planner/plan (data only) but not the catalog, the server, sql/parse or the rest of the planner",
	},
	{
		applies: func(p string) bool { return !under(p, "cmd") },
		forbidden: func(_, imp string, project bool) bool {
			return project && imp == "server"
		},
		why: "only cmd/... imports the server package",
	},
	{
		applies: func(p string) bool { return under(p, "connector") },
		forbidden: func(_, imp string, project bool) bool {
			return project && !under(imp, "sql") && !under(imp, "connector")
		},
		why: "connectors import only sql/... (and their client libraries)",
	},
	{
		applies: func(p string) bool { return true },
		forbidden: func(_, imp string, project bool) bool {
			return project && under(imp, "internal/testpg")
		},
		why: "internal/testpg is for tests only",
	},
	{
		applies: func(p string) bool { return !under(p, "cmd") },
		forbidden: func(_, imp string, project bool) bool {
			return project && under(imp, "cmd")
		},
		why: "nothing imports a command",
	},
}

// violation is one forbidden import.
type violation struct{ pkg, imp, why string }

// check applies every rule to the import graph (package → imports, with
// project packages given relative to the module).
func check(graph map[string][]string) []violation {
	var out []violation
	for pkg, imps := range graph {
		for _, imp := range imps {
			rel, project := relative(imp)
			for _, r := range rules {
				if r.applies(pkg) && r.forbidden(pkg, rel, project) {
					out = append(out, violation{pkg, rel, r.why})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].pkg != out[j].pkg {
			return out[i].pkg < out[j].pkg
		}
		return out[i].imp < out[j].imp
	})
	return out
}

// relative strips the module prefix from a project import path.
func relative(imp string) (string, bool) {
	if imp == module {
		return ".", true
	}
	if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
		return rest, true
	}
	return imp, false
}

// load runs go list over the module and returns its import graph.
func load() (map[string][]string, error) {
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.String())
	}
	graph := make(map[string][]string)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg, project := relative(fields[0])
		if !project {
			continue
		}
		graph[pkg] = fields[1:]
	}
	return graph, sc.Err()
}

func main() {
	graph, err := load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkdeps:", err)
		os.Exit(2)
	}
	vs := check(graph)
	for _, v := range vs {
		fmt.Fprintf(os.Stderr, "checkdeps: %s imports %s: %s\n", v.pkg, v.imp, v.why)
	}
	if len(vs) > 0 {
		fmt.Fprintf(os.Stderr, "checkdeps: %d forbidden import(s); see STYLE.md \"Dependency direction\"\n", len(vs))
		os.Exit(1)
	}
	fmt.Printf("checkdeps: %d packages follow the dependency direction\n", len(graph))
}
