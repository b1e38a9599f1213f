-- Registering a schema: tables, keys, foreign keys, time columns and column roles come from the catalog.
SET client_min_messages = warning;
SELECT relml.generate_demo('demo', 0.1, 42) ? 'orders' AS generated;
SELECT jsonb_pretty(relml.register_database('demo', 'demo'));
SELECT * FROM relml.describe_database('demo');

-- Re-registering after a schema change picks the change up, keeping the database id.
ALTER TABLE demo.products ADD COLUMN weight_kg real;
SELECT relml.register_database('demo', 'demo')->'reregistered' AS reregistered;
SELECT column_name, role FROM relml.describe_database('demo') WHERE table_name = 'products';
ALTER TABLE demo.products DROP COLUMN weight_kg;
SELECT relml.register_database('demo', 'demo') ? 'tables' AS registered;

-- Overrides: a time column, a foreign key the catalog does not declare, a column role.
CREATE SCHEMA shop;
CREATE TABLE shop.users (id int PRIMARY KEY, joined date, country text);
CREATE TABLE shop.visits (visit_id int PRIMARY KEY, user_id int, started_at timestamp, ended_at timestamp, pages int);
CREATE TABLE shop.events (user_id int REFERENCES shop.users, happened_at timestamp, kind text);
SELECT jsonb_pretty(relml.register_database('shop', 'shop', '{
  "foreign_keys": [{"table": "visits", "column": "user_id", "references": "users"}],
  "time_columns": {"visits": "started_at"},
  "column_roles": {"visits.pages": "categorical"}
}'));
SELECT * FROM relml.describe_database('shop');

-- Bad input names the problem.
SELECT relml.register_database('nope', 'no_such_schema');
SELECT relml.register_database('shop', 'shop', '{"time_columns": {"visits": "pages"}}');
SELECT relml.register_database('shop', 'shop', '{"tables": ["users", "ghosts"]}');
SELECT relml.register_database('shop', 'shop', '{"colour": "blue"}');
SELECT relml.register_database('shop', 'shop', '{"foreign_keys": [{"table": "visits", "column": "nope", "references": "users"}]}');
-- A failed re-registration leaves the previous one intact.
SELECT count(*) AS shop_columns FROM relml.describe_database('shop');

-- Change tracking: registration installed a statement trigger on every table its caller owns, so a table's
-- version is read without scanning it. A view, or a table whose trigger is disabled, is signed from its rows.
SELECT table_name, tracked, reason, inserts, modifications FROM relml.change_tracking('shop');
INSERT INTO shop.users VALUES (1, date '2024-01-01', 'fr'), (2, date '2024-01-02', 'de');
INSERT INTO shop.users VALUES (3, date '2024-01-03', 'it');
BEGIN;
UPDATE shop.users SET country = 'es' WHERE id = 3;
DELETE FROM shop.users WHERE id = 3;
SELECT table_name, inserts, modifications FROM relml.change_tracking('shop') WHERE table_name = 'users';
ROLLBACK;
SELECT table_name, inserts, modifications FROM relml.change_tracking('shop') WHERE table_name = 'users';
SELECT relml.fold_table_changes() > 0 AS folded;
SELECT table_name, inserts, modifications FROM relml.change_tracking('shop') WHERE table_name = 'users';
CREATE VIEW shop.recent_visits AS SELECT * FROM shop.visits;
SELECT relml.register_database('shop_view', 'shop', '{"tables": ["users", "events", "recent_visits"]}')->'change_tracking';
ALTER TABLE shop.events DISABLE TRIGGER relml_track_changes;
SELECT table_name, tracked, reason FROM relml.change_tracking('shop_view');
-- Registering again (as the owner) enables it again.
SELECT relml.register_database('shop_view', 'shop', '{"tables": ["users", "events", "recent_visits"]}')->'change_tracking';
