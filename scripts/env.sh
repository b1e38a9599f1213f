# Shared settings of the private PostgreSQL 15 cluster that the README commands, the tests and CI use.
# Sourced, not run. Every value can be overridden from the environment.
RELML_PG_BIN=${RELML_PG_BIN:-/usr/lib/postgresql/15/bin}
RELML_OS_USER=${RELML_OS_USER:-relml}
RELML_PGDATA=${RELML_PGDATA:-/var/lib/relml/pgdata}
RELML_PGPORT=${RELML_PGPORT:-54329}
RELML_SOCKET_DIR=${RELML_SOCKET_DIR:-/var/run/relml}
RELML_PGLOG=${RELML_PGLOG:-/var/lib/relml/postgresql.log}

export PGHOST=$RELML_SOCKET_DIR PGPORT=$RELML_PGPORT PGUSER=$RELML_OS_USER
export PATH=$RELML_PG_BIN:$PATH
