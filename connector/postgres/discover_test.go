package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/internal/testpg"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

func discoverErr(t *testing.T, e *env, cfg Config) error {
	t.Helper()
	s := e.newSource(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.Discover(ctx)
	if err == nil {
		t.Fatal("Discover succeeded")
	}
	return err
}

func TestDiscoverErrors(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE ok (id int PRIMARY KEY)`)
	e.exec(`CREATE TABLE nopk (a int, b text)`)
	e.exec(`CREATE TABLE nothing (id int PRIMARY KEY)`)
	e.exec(`ALTER TABLE nothing REPLICA IDENTITY NOTHING`)
	e.exec(`CREATE SCHEMA other`)
	e.exec(`CREATE TABLE other.ok (id int PRIMARY KEY)`)
	e.exec(`CREATE PUBLICATION p_nopk FOR TABLE ok, nopk`)
	e.exec(`CREATE PUBLICATION p_nothing FOR TABLE nothing`)
	e.exec(`CREATE PUBLICATION p_two FOR TABLE ok, other.ok`)

	for _, tc := range []struct {
		name   string
		pub    string
		tables []TableMapping
		code   sqlerr.Code
		msg    string
	}{
		{"no primary key", "p_nopk", nil, sqlerr.ObjectNotInPrerequisiteState,
			`upstream table "public"."nopk" has no primary key and its replica identity is not FULL`},
		{"replica identity nothing", "p_nothing", nil, sqlerr.ObjectNotInPrerequisiteState,
			`upstream table "public"."nothing" has REPLICA IDENTITY NOTHING`},
		{"missing publication", "nope", nil, sqlerr.UndefinedObject, `publication "nope" does not exist`},
		{"same name twice", "p_two", nil, sqlerr.DuplicateTable, `would both be named "ok"`},
		{"ambiguous mapping", "p_two", []TableMapping{{Upstream: "ok"}}, sqlerr.AmbiguousColumn, `table name "ok" is ambiguous`},
		{"table not published", "p_two", []TableMapping{{Upstream: "nopk"}}, sqlerr.UndefinedTable, `table "nopk" is not in publication "p_two"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := e.testConfig()
			cfg.Publication, cfg.Tables = tc.pub, tc.tables
			err := discoverErr(t, e, cfg)
			if sqlerr.GetCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) || !IsDefinite(err) {
				t.Errorf("err = %v (code %s), want %s containing %q", err, sqlerr.GetCode(err), tc.code, tc.msg)
			}
		})
	}
	// With FULL the same table is fine, without a primary key.
	e.exec(`ALTER TABLE nopk REPLICA IDENTITY FULL`)
	cfg := e.testConfig()
	cfg.Publication = "p_nopk"
	schemas := discover(t, e.newSource(cfg))
	if len(schemas) != 2 || schemas[0].Name != "nopk" || len(schemas[0].PrimaryKey) != 0 {
		t.Errorf("schemas = %+v", schemas)
	}
}

// TestTableMapping: FOR TABLES selects, orders and renames tables; a
// publication's column list and row filter (PostgreSQL 15) are honoured by
// the snapshot as by the stream.
func TestTableMapping(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE SCHEMA s2`)
	e.exec(`CREATE TABLE a (id int PRIMARY KEY, secret text, v int)`)
	e.exec(`CREATE TABLE s2.b (id int PRIMARY KEY, v int)`)
	e.exec(`ALTER TABLE s2.b REPLICA IDENTITY FULL`) // row filters on UPDATE need it
	e.exec(`CREATE TABLE c (id int PRIMARY KEY)`)
	e.exec(`INSERT INTO a SELECT i, 'hidden', i FROM generate_series(1, 10) i`)
	e.exec(`INSERT INTO s2.b SELECT i, i FROM generate_series(1, 10) i`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE a (id, v), s2.b WHERE (v > 5), c`)
	cfg := e.testConfig()
	cfg.Tables = []TableMapping{{Upstream: "s2.b", Name: "bee"}, {Upstream: "a"}}
	s := e.newSource(cfg)
	schemas := discover(t, s)
	if len(schemas) != 2 || schemas[0].Name != "bee" || schemas[1].Name != "a" {
		t.Fatalf("schemas = %+v", schemas)
	}
	if n := len(schemas[1].Columns); n != 2 {
		t.Fatalf("a has %d columns, want 2 (the publication's column list)", n)
	}
	w := newMemWriter(schemas)
	start(t, s, w, nil)
	e.exec(`INSERT INTO s2.b VALUES (11, 1), (12, 12)`)
	e.exec(`UPDATE s2.b SET v = 100 WHERE id = 1`) // moves into the filter
	e.exec(`UPDATE s2.b SET v = 0 WHERE id = 10`)  // moves out of it
	e.exec(`UPDATE a SET secret = 'x', v = -v WHERE id = 3`)
	e.exec(`INSERT INTO c VALUES (1)`)
	e.waitEqual(w, 0, "s2.b WHERE v > 5", schemas[0], nil)
	e.waitEqual(w, 1, "a", schemas[1], nil)
	w.check(t)
}

// TestWalLevel: a server without wal_level = logical is refused clearly.
func TestWalLevel(t *testing.T) {
	srv := testpg.Start(t, testpg.WithSetting("wal_level", "replica"))
	s, err := New(Config{ConnString: srv.ConnString(), Publication: "pub", SourceName: "w"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = s.Discover(ctx)
	if sqlerr.GetCode(err) != sqlerr.ObjectNotInPrerequisiteState || !strings.Contains(err.Error(), "wal_level = logical") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{ConnString: "host=x", SourceName: "s"},
		{ConnString: "host=x", Publication: "p", Slot: "Bad-Slot"},
		{ConnString: "postgres://[::1", Publication: "p", SourceName: "s"},
	} {
		if _, err := New(cfg, nil); sqlerr.GetCode(err) != sqlerr.InvalidParameterValue {
			t.Errorf("New(%+v) = %v, want 22023", cfg, err)
		}
	}
	if got := SlotName("My Source-1"); got != "freshet_my_source_1" {
		t.Errorf("SlotName = %q", got)
	}
	if got := SlotName(strings.Repeat("x", 100)); len(got) != 63 {
		t.Errorf("SlotName of a long name has %d bytes", len(got))
	}
}
