package pgwire_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/lib/pq"

	"github.com/freshet-db/freshet/server/pgwire"
)

func TestLibPQ(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	db, err := sql.Open("postgres", fmt.Sprintf("postgres://freshet@%s/freshet?sslmode=disable", addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()

	var (
		i8  int64
		s   string
		b   bool
		f   float64
		n   string
		by  []byte
		nul sql.NullString
	)
	err = db.QueryRowContext(ctx, "SELECT $1::int8, $2::text, $3::bool, $4::float8, $5::numeric, $6::bytea, $7::text",
		int64(-42), "héllo", true, 2.5, "12.50", []byte{0, 1, 255}, nil).Scan(&i8, &s, &b, &f, &n, &by, &nul)
	if err != nil {
		t.Fatal(err)
	}
	if i8 != -42 || s != "héllo" || !b || f != 2.5 || n != "12.50" || string(by) != "\x00\x01\xff" || nul.Valid {
		t.Fatalf("got %v %q %v %v %q %q %v", i8, s, b, f, n, by, nul)
	}

	rows, err := db.QueryContext(ctx, "SELECT * FROM all_types")
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	count := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		count++
	}
	if err := rows.Err(); err != nil || count != 2 {
		t.Fatalf("%d rows, %v", count, err)
	}

	_, err = db.ExecContext(ctx, "SELECT error('23505')")
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "23505" || pqErr.Hint != "a hint" {
		t.Fatalf("got %#v, want 23505", err)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := tx.ExecContext(ctx, "INSERT INTO t VALUES ($1)", 1); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("rows affected %d", n)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
