#!/usr/bin/env bash
# install-deps.sh installs the external programs the tests start for real:
# the PostgreSQL server (initdb, postgres, pg_ctl, pgbench), psql, the
# contrib package, and clickhouse-server with its client (internal/testch). It is idempotent: it installs only what is missing and runs
# `apt-get update` at most once, before the first install. It works as root and,
# when not root, through sudo if sudo exists.
#
# Afterwards it prints the directory of the PostgreSQL server binaries; `make
# test` exports it as FRESHET_PG_BINDIR so that internal/testpg finds them.
set -euo pipefail

log() { echo "install-deps: $*" >&2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo_cmd=(sudo -n)
	else
		sudo_cmd=(__no_root__)
	fi
fi

updated=0
apt_install() {
	if [ "${sudo_cmd[0]:-}" = "__no_root__" ]; then
		log "need to install $*, but not root and sudo is not available"
		log "install them yourself: apt-get install $*"
		exit 1
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		log "need to install $*, but apt-get is not available on this machine"
		exit 1
	fi
	if [ "$updated" -eq 0 ]; then
		log "apt-get update"
		"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		updated=1
	fi
	log "apt-get install $*"
	"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# pg_bindir prints the newest /usr/lib/postgresql/<ver>/bin holding a server.
pg_bindir() {
	local best="" ver dir
	for dir in /usr/lib/postgresql/*/bin; do
		[ -x "$dir/postgres" ] && [ -x "$dir/initdb" ] || continue
		ver=${dir#/usr/lib/postgresql/}
		ver=${ver%/bin}
		if [ -z "$best" ] || [ "${ver%%.*}" -gt "${best%%.*}" ]; then
			best=$ver
		fi
	done
	[ -n "$best" ] && echo "/usr/lib/postgresql/$best/bin"
}

missing=()
bindir=$(pg_bindir || true)
# The server package also ships pgbench on Debian 12; contrib is installed with
# it so that pgbench exists on distributions that split it out.
if [ -z "$bindir" ] || [ ! -x "$bindir/pgbench" ]; then
	missing+=(postgresql postgresql-contrib)
fi
if ! command -v psql >/dev/null 2>&1; then
	missing+=(postgresql-client)
fi
# Debian 12 ships clickhouse-server 18.16 (internal/testch looks on $PATH and
# in /usr/sbin, /usr/bin).
if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ] &&
	[ ! -x /usr/bin/clickhouse-server ]; then
	missing+=(clickhouse-server clickhouse-client)
fi
if [ ${#missing[@]} -gt 0 ]; then
	apt_install "${missing[@]}"
	bindir=$(pg_bindir || true)
fi
if [ -z "$bindir" ]; then
	log "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin after installing"
	exit 1
fi
# Debian starts a cluster on port 5432 when the package is installed; the tests
# never use it (they start their own on free ports), so it is left alone.
echo "$bindir"
