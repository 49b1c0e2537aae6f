package main

import (
	"fmt"
	"testing"
)

func TestCheck(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	for _, tc := range []struct {
		pkg  string
		imp  string
		want bool // violation expected
	}{
		{"sql/datum", m("sql/types"), false},
		{"sql/datum", m("catalog"), true},
		{"sql/parse", tidbParser + "/ast", false},
		{"planner/build", tidbParser + "/ast", false},
		{"planner", tidbParser, true},
		{"executor/operator", tidbParser + "/ast", true},
		{"catalog", tidbParser + "/ast", true},
		{"server/session", tidbParser + "/ast", false},
		{"server/pgwire", tidbParser + "/ast", true},
		{"catalog", m("sql/types"), false},
		{"catalog", m("planner/plan"), true},
		{"planner/build", m("catalog"), false},
		{"planner/build", m("executor/operator"), true},
		{"planner/lower", m("server/coord"), true},
		{"executor/render", m("planner/plan"), false},
		{"executor/render", m("planner/build"), true},
		{"executor/operator", m("catalog"), true},
		{"executor/operator", m("sql/parse"), true},
		{"executor/operator", m("server/session"), true},
		{"cmd/freshet", m("server"), false},
		{"server/pgwire", m("server"), true},
		{"server/pgwire", m("server/session"), false},
		{"server", m("server/coord"), false},
		{"connector/postgres", m("sql/stream"), false},
		{"connector/postgres", "github.com/jackc/pglogrepl", false},
		{"connector/postgres", m("catalog"), true},
		{"server", m("internal/testpg"), true},
		{"server", "fmt", false},
	} {
		t.Run(fmt.Sprintf("%s→%s", tc.pkg, tc.imp), func(t *testing.T) {
			vs := check(map[string][]string{tc.pkg: {tc.imp}})
			if got := len(vs) > 0; got != tc.want {
				t.Fatalf("violation = %v (%v), want %v", got, vs, tc.want)
			}
		})
	}
}
