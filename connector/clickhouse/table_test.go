package clickhouse

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

func revenueView() connector.TableSchema {
	return connector.TableSchema{Name: "revenue_by_category", Columns: []connector.Column{
		{Name: "category", Type: types.TextT, NotNull: true},
		{Name: "revenue", Type: types.NumericOf(12, 2)},
		{Name: "orders", Type: types.Int8T, NotNull: true},
	}, PrimaryKey: []int{0}}
}

// TestExistingTableMismatch checks that Open refuses a table that cannot
// take the view's rows, naming the column, and does so without retrying.
func TestExistingTableMismatch(t *testing.T) {
	srv := server.Get(t)
	db := srv.NewDatabase(t)
	cases := []struct {
		name, ddl string
		mode      Mode
		code      sqlerr.Code
		frags     []string
	}{
		{"wrong type", "CREATE TABLE %s (category String, revenue Nullable(Float64), orders Int64, " +
			"freshet_ts UInt64, freshet_time DateTime, freshet_diff Int64) ENGINE = MergeTree ORDER BY freshet_ts",
			Changelog, sqlerr.DatatypeMismatch, []string{`column "revenue"`, "Nullable(Float64)", "Nullable(Decimal(12, 2))"}},
		{"not nullable", "CREATE TABLE %s (category String, revenue Decimal(12, 2), orders Int64, " +
			"freshet_ts UInt64, freshet_time DateTime, freshet_diff Int64) ENGINE = MergeTree ORDER BY freshet_ts",
			Changelog, sqlerr.DatatypeMismatch, []string{`column "revenue"`}},
		{"missing column", "CREATE TABLE %s (category String, revenue Nullable(Decimal(12, 2)), " +
			"freshet_ts UInt64, freshet_time DateTime, freshet_diff Int64) ENGINE = MergeTree ORDER BY freshet_ts",
			Changelog, sqlerr.UndefinedColumn, []string{`no column "orders"`}},
		{"missing diff", "CREATE TABLE %s (category String, revenue Nullable(Decimal(12, 2)), orders Int64, " +
			"freshet_ts UInt64, freshet_time DateTime) ENGINE = MergeTree ORDER BY freshet_ts",
			Changelog, sqlerr.UndefinedColumn, []string{`no column "freshet_diff"`}},
		{"collapsing engine", "CREATE TABLE %s (category String, revenue Nullable(Decimal(12, 2)), orders Int64, " +
			"freshet_ts UInt64, freshet_time DateTime, freshet_diff Int64) ENGINE = ReplacingMergeTree ORDER BY category",
			Changelog, sqlerr.InvalidTableDefinition, []string{"ReplacingMergeTree", "CHANGELOG"}},
		{"upsert on MergeTree", "CREATE TABLE %s (category String, revenue Nullable(Decimal(12, 2)), orders Int64, " +
			"freshet_ts UInt64, freshet_time DateTime, freshet_deleted UInt8) ENGINE = MergeTree ORDER BY category",
			Upsert, sqlerr.InvalidTableDefinition, []string{"UPSERT"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			table := "bad_" + string(rune('a'+i))
			srv.Exec(t, fmt.Sprintf(tc.ddl, db+"."+table))
			s, err := New(Config{DSN: srv.DSN(db), Table: table, Mode: tc.mode}, revenueView(), testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			start := time.Now()
			_, err = s.Open(ctxT(t))
			wantCode(t, err, tc.code, tc.frags...)
			if st := s.State(); st.State != "failed" || st.Retries != 0 {
				t.Fatalf("state: %+v", st)
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("Open took %v: it should not retry", time.Since(start))
			}
		})
	}

	// Extra columns and another time zone are fine.
	srv.Exec(t, "CREATE TABLE "+db+".extra (note String DEFAULT 'x', category String, revenue Nullable(Decimal(12, 2)), "+
		"orders Int64, freshet_ts UInt64, freshet_time DateTime('Europe/Berlin'), freshet_diff Int64) "+
		"ENGINE = MergeTree ORDER BY freshet_ts")
	s, f := openSink(t, Config{DSN: srv.DSN(db), Table: "extra"}, revenueView())
	if f != 0 {
		t.Fatalf("frontier %d", f)
	}
	if err := s.Write(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
}

// TestOpenErrors checks errors that need no retry: an unknown database,
// bad configuration.
func TestOpenErrors(t *testing.T) {
	srv := server.Get(t)
	s, err := New(Config{DSN: srv.DSN("no_such_db"), Table: "t"}, revenueView(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = s.Open(ctx)
	wantCode(t, err, sqlerr.InvalidCatalogName, "no_such_db")

	_, err = New(Config{DSN: srv.DSN("default"), Table: "t", Mode: Upsert},
		connector.TableSchema{Name: "v", Columns: revenueView().Columns}, nil)
	wantCode(t, err, sqlerr.InvalidObjectDefinition, "unique key")

	view := revenueView()
	view.Columns[0].NotNull = false
	_, err = New(Config{DSN: srv.DSN("default"), Table: "t", Mode: Upsert}, view, nil)
	wantCode(t, err, sqlerr.FeatureNotSupported, `"category"`)

	view = revenueView()
	view.Columns[2].Name = "freshet_ts"
	_, err = New(Config{DSN: srv.DSN("default"), Table: "t"}, view, nil)
	wantCode(t, err, sqlerr.DuplicateColumn, "freshet_ts")

	_, err = New(Config{DSN: srv.DSN("default"), Table: ""}, revenueView(), nil)
	wantCode(t, err, sqlerr.InvalidParameterValue, "TABLE")

	_, err = New(Config{DSN: "http://localhost:8123", Table: "t"}, revenueView(), nil)
	wantCode(t, err, sqlerr.InvalidParameterValue, "native protocol")

	s2, err := New(Config{DSN: srv.DSN("default"), Table: "t"}, revenueView(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s2.Write(ctxT(t), nil), sqlerr.ObjectNotInPrerequisiteState, "not open")
	_ = s2.Close()
	_, err = s2.Open(ctxT(t))
	wantCode(t, err, sqlerr.ObjectNotInPrerequisiteState, "closed")
}
