#!/usr/bin/env bash
# bench-wire.sh measures single-row INSERT transactions per second over the
# wire with pgbench, first against a throw-away PostgreSQL, then against
# Freshet (bin/freshet, with a materialized view over the table, so every
# insert also updates a view), and prints both side by side.
#
# Everything it starts listens on free loopback ports and is stopped on exit.
# Environment: BENCH_SECONDS (default 10), BENCH_CLIENTS (default 4),
# FRESHET_PG_BINDIR (default: found by scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-4}
bindir=${FRESHET_PG_BINDIR:-$(bash scripts/install-deps.sh)}
pgbench=$bindir/pgbench
psql=$bindir/psql
[ -x "$psql" ] || psql=$(command -v psql)

work=$(mktemp -d /tmp/freshet-bench-XXXXXX)
chmod 755 "$work"
pg_started="" freshet_pid=""
cleanup() {
	if [ -n "$freshet_pid" ]; then
		kill "$freshet_pid" 2>/dev/null || true
		wait "$freshet_pid" 2>/dev/null || true
	fi
	if [ -n "$pg_started" ]; then
		as_pg "$bindir/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# free_port prints a loopback TCP port nobody listens on.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "bench-wire: no free port found" >&2
	return 1
}

# as_pg runs a command as the postgres user when root (postgres refuses root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# wait_ready waits until psql can run a query as user on database db at
# port, while process pid lives.
wait_ready() {
	local port=$1 user=$2 db=$3 pid=$4
	for _ in $(seq 1 300); do
		if "$psql" -qAtX -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -c 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# run_pgbench runs the insert script and prints the tps figure.
run_pgbench() {
	local port=$1 user=$2 db=$3 log=$4
	"$pgbench" -n -M simple -f "$work/insert.sql" -T "$seconds" -c "$clients" -j 2 \
		-h 127.0.0.1 -p "$port" -U "$user" "$db" >"$log" 2>&1 || return 1
	sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log" | tail -n 1
}

cat >"$work/insert.sql" <<'SQL'
\set id random(1, 1000000000000)
INSERT INTO events VALUES (:id, :client_id, 'pgbench');
SQL

# --- PostgreSQL
mkdir "$work/pg"
[ "$(id -u)" -ne 0 ] || chown postgres "$work/pg"
if ! as_pg "$bindir/initdb" -D "$work/pg/data" -U postgres -A trust --locale=C -E UTF8 --no-sync >"$work/initdb.log" 2>&1; then
	echo "bench-wire: initdb failed:" >&2
	cat "$work/initdb.log" >&2
	exit 1
fi
pg_port=$(free_port)
if ! as_pg "$bindir/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
	-o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null; then
	echo "bench-wire: PostgreSQL did not start:" >&2
	cat "$work/pg/server.log" >&2
	exit 1
fi
pg_started=1
if ! "$pgbench" -i -q -h 127.0.0.1 -p "$pg_port" -U postgres postgres >"$work/pgbench-init.log" 2>&1; then
	echo "bench-wire: pgbench -i failed:" >&2
	cat "$work/pgbench-init.log" >&2
	exit 1
fi
"$psql" -qX -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
	-c 'CREATE TABLE events (id BIGINT, client INT, body TEXT)'
echo "bench-wire: PostgreSQL, ${seconds}s, $clients clients, single-row INSERT transactions"
pg_tps=$(run_pgbench "$pg_port" postgres postgres "$work/pgbench-pg.log") || {
	cat "$work/pgbench-pg.log" >&2
	exit 1
}
pg_rows=$("$psql" -qAtX -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c 'SELECT count(*) FROM events')

# --- Freshet
fr_tps="n/a" fr_rows="n/a" fr_view="n/a" fr_note=""
if [ ! -x bin/freshet ]; then
	fr_note="bin/freshet is missing (run make build)"
else
	fr_port=$(free_port)
	fr_http=$(free_port)
	./bin/freshet serve --pg-listen "127.0.0.1:$fr_port" --http-listen "127.0.0.1:$fr_http" \
		--data-dir "$work/freshet-data" >"$work/freshet.log" 2>&1 &
	freshet_pid=$!
	if ! wait_ready "$fr_port" freshet freshet "$freshet_pid"; then
		fr_note="Freshet did not accept connections; log: $(tail -n 5 "$work/freshet.log" | tr '\n' ' ')"
	elif ! "$psql" -qX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$fr_port" -U freshet -d freshet \
		-c 'CREATE TABLE events (id BIGINT, client INT, body TEXT)' \
		-c 'CREATE MATERIALIZED VIEW events_per_client AS SELECT client, COUNT(*) AS n FROM events GROUP BY client' \
		>"$work/freshet-setup.log" 2>&1; then
		fr_note="setup failed: $(tr '\n' ' ' <"$work/freshet-setup.log")"
	else
		echo "bench-wire: Freshet, same workload, plus a materialized view over the table"
		if fr_tps=$(run_pgbench "$fr_port" freshet freshet "$work/pgbench-freshet.log") && [ -n "$fr_tps" ]; then
			fr_rows=$("$psql" -qAtX -h 127.0.0.1 -p "$fr_port" -U freshet -d freshet -c 'SELECT count(*) FROM events' 2>&1 || true)
			fr_view=$("$psql" -qAtX -h 127.0.0.1 -p "$fr_port" -U freshet -d freshet -c 'SELECT sum(n) FROM events_per_client' 2>&1 || true)
		else
			fr_tps="n/a"
			fr_note="pgbench failed against Freshet: $(grep -m 3 -iE 'error|fatal|abort' "$work/pgbench-freshet.log" | tr '\n' ' ')"
		fi
	fi
fi

printf '\n%-28s %14s %14s\n' "single-row INSERT" "PostgreSQL" "Freshet"
printf '%-28s %14s %14s\n' "transactions/s" "$pg_tps" "$fr_tps"
printf '%-28s %14s %14s\n' "rows in table" "$pg_rows" "$fr_rows"
printf '%-28s %14s %14s\n' "rows counted by the view" "-" "$fr_view"
echo "wire: postgres_insert_tps=$pg_tps freshet_insert_tps=$fr_tps"
if [ -n "$fr_note" ]; then
	echo "wire: Freshet could not be measured: $fr_note"
elif [ "$fr_rows" != "$fr_view" ]; then
	echo "wire: note: the view counted $fr_view rows, the table holds $fr_rows"
fi
