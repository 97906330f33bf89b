#!/bin/sh
# One-shot job: creates Temporal's two PostgreSQL databases and brings their schemas up to date.
# Safe to re-run: `create` fails harmlessly when the database exists, update-schema is idempotent.
set -eu
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"; }
for db in temporal temporal_visibility; do
  schema_dir=temporal
  [ "$db" = temporal_visibility ] && schema_dir=visibility
  sql --db "$db" create || echo "database $db exists"
  sql --db "$db" setup-schema -v 0.0 || echo "schema of $db already set up"
  sql --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$schema_dir/versioned"
done
echo 'Temporal schema ready'
