-- A PostgreSQL role for zhtj-tui that logs in by peer authentication (the system user
-- zhtj over the local socket): no password to store anywhere.
--   su postgres -c "psql -f deploy/postgres.sql"
SELECT 'CREATE ROLE zhtj LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zhtj')\gexec
SELECT 'CREATE DATABASE zhtj OWNER zhtj ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'zhtj')\gexec
REVOKE ALL ON DATABASE zhtj FROM PUBLIC;
