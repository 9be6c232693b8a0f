# Sourced by scripts/test: starts a throwaway PostgreSQL cluster in a temp dir
# and exports STREAMFRONT_TEST_POSTGRES (a DSN); stops it on exit.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pgbin" ]; then
	echo "scripts/test: PostgreSQL server not installed; PostgreSQL tests will fail under STREAMFRONT_REQUIRE_ALL=1" >&2
	return 0
fi
pgdir=$(mktemp -d /tmp/streamfront-pg.XXXXXX)
# PostgreSQL refuses to run as root: run it as the postgres user, from a
# directory that user may enter.
run_pg() { if [ "$(id -u)" = 0 ]; then (cd "$pgdir" && runuser -u postgres -- "$@"); else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
run_pg "$pgbin/initdb" -D "$pgdir/data" -U streamfront --auth=trust >/dev/null
trap 'run_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
# A random port may be taken: try a few.
for _ in 1 2 3 4 5; do
	pgport=$(( 20000 + RANDOM % 20000 ))
	if run_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
		-o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null; then
		break
	fi
	pgport=
done
if [ -z "$pgport" ]; then
	echo "scripts/test: could not start PostgreSQL:" >&2; cat "$pgdir/log" >&2
	return 1
fi
export STREAMFRONT_TEST_POSTGRES="postgres://streamfront@127.0.0.1:$pgport/postgres?sslmode=disable"
echo "scripts/test: PostgreSQL on port $pgport" >&2
