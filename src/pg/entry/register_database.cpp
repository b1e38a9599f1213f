// relml.register_database: reads a schema's tables, keys and time columns from the system catalog, applies the
// caller's overrides, and stores the result in relml.tables / columns / foreign_keys.
#include "pg/boundary/args.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/boundary/spi.hpp"

#include "sql/identifier.hpp"

#include <map>
#include <set>

namespace relml::pg {

namespace {

const std::set<std::string> kOptionKeys = {"tables", "exclude_tables", "primary_keys", "foreign_keys", "time_columns",
                                           "column_roles"};
// Column names that usually hold the event time when a table has several temporal columns.
const std::vector<std::string> kPreferredTimeNames = {"date", "time", "timestamp", "event_time", "created_at",
                                                      "occurred_at"};

std::string require_string(const nlohmann::json &value, const std::string &what) {
	if (!value.is_string()) {
		throw InvalidInputError(what + " must be a string, got " + value.dump());
	}
	return value.get<std::string>();
}

struct CatalogTable {
	Table table;
	int64_t row_estimate = 0;
	std::vector<std::string> temporal_columns;
};

void check_options(const nlohmann::json &options) {
	for (auto &item : options.items()) {
		if (!kOptionKeys.count(item.key())) {
			throw InvalidInputError("unknown option \"" + item.key() +
			                        "\" of register_database: expected tables, exclude_tables, primary_keys, "
			                        "foreign_keys, time_columns or column_roles");
		}
	}
}

std::map<std::string, CatalogTable> read_tables(SpiConnection &spi, const std::string &schema,
                                                const nlohmann::json &options) {
	std::set<std::string> only;
	std::set<std::string> excluded;
	for (const char *key : {"tables", "exclude_tables"}) {
		if (options.contains(key) && !options[key].is_array()) {
			throw InvalidInputError(std::string("option ") + key + " must be an array of table names, got " +
			                        options[key].dump());
		}
	}
	if (options.contains("tables")) {
		for (auto &t : options["tables"]) {
			only.insert(require_string(t, "option tables"));
		}
	}
	if (options.contains("exclude_tables")) {
		for (auto &t : options["exclude_tables"]) {
			excluded.insert(require_string(t, "option exclude_tables"));
		}
	}
	SpiResult rows = spi.query("SELECT c.relname::text, greatest(c.reltuples, 0)::int8 FROM pg_class c "
	                           "JOIN pg_namespace n ON n.oid = c.relnamespace "
	                           "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm', 'f', 'v') AND NOT c.relispartition "
	                           "ORDER BY 1",
	                           {schema});
	std::map<std::string, CatalogTable> tables;
	for (size_t r = 0; r < rows.rows(); ++r) {
		std::string name = rows.text(r, 0);
		if ((!only.empty() && !only.count(name)) || excluded.count(name)) {
			continue;
		}
		CatalogTable t;
		t.table.name = name;
		t.row_estimate = rows.integer(r, 1);
		tables.emplace(name, std::move(t));
	}
	for (auto &name : only) {
		if (!tables.count(name)) {
			throw NotFoundError("table \"" + name + "\" named in option tables does not exist in schema \"" + schema +
			                    "\"");
		}
	}
	if (tables.empty()) {
		throw InvalidInputError("schema \"" + schema + "\" has no tables to register");
	}
	return tables;
}

} // namespace

} // namespace relml::pg

using namespace relml;
using namespace relml::pg;

RELML_SQL_FUNCTION(relml_register_database) {
	std::string name = text_arg(fcinfo, 0, "name");
	std::string schema = text_arg(fcinfo, 1, "schema_name");
	nlohmann::json options = jsonb_arg(fcinfo, 2, "options");
	check_options(options);
	nlohmann::json summary;
	{
		SpiConnection spi;
		if (!spi.scalar("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema})) {
			throw NotFoundError("schema \"" + schema + "\" does not exist");
		}
		auto usage = spi.scalar("SELECT has_schema_privilege($1, 'USAGE')", {schema});
		if (!usage || *usage != "t") {
			throw InvalidInputError("permission denied for schema \"" + schema + "\": USAGE is required to register it");
		}
		std::map<std::string, CatalogTable> tables = read_tables(spi, schema, options);

		// Columns, in attribute order.
		SpiResult columns = spi.query(
		    "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
		    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
		    "WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
		    {schema});
		for (size_t r = 0; r < columns.rows(); ++r) {
			auto it = tables.find(columns.text(r, 0));
			if (it == tables.end()) {
				continue;
			}
			std::string type = columns.text(r, 2);
			it->second.table.columns.push_back({columns.text(r, 1), type, ColumnRole::Ignored});
			if (is_temporal_type(type)) {
				it->second.temporal_columns.push_back(columns.text(r, 1));
			}
		}

		// Single-column primary keys, declared or given.
		SpiResult pks = spi.query(
		    "SELECT c.relname::text, a.attname::text FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
		    "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
		    "AND a.attnum = k.conkey[1] WHERE n.nspname = $1 AND k.contype = 'p' AND cardinality(k.conkey) = 1",
		    {schema});
		for (size_t r = 0; r < pks.rows(); ++r) {
			auto it = tables.find(pks.text(r, 0));
			if (it != tables.end()) {
				it->second.table.primary_key = pks.text(r, 1);
			}
		}
		if (options.contains("primary_keys")) {
			for (auto &item : options["primary_keys"].items()) {
				auto it = tables.find(item.key());
				std::string column = require_string(item.value(), "primary key of " + item.key());
				if (it == tables.end()) {
					throw NotFoundError("option primary_keys names table \"" + item.key() + "\", which is not registered");
				}
				if (!it->second.table.find_column(column)) {
					throw NotFoundError("option primary_keys: column \"" + column + "\" does not exist in table \"" +
					                    item.key() + "\"");
				}
				it->second.table.primary_key = column;
			}
		}

		// Single-column foreign keys between registered tables, declared or given.
		struct Fk {
			ForeignKey fk;
			bool declared;
		};
		std::vector<Fk> fks;
		SpiResult declared = spi.query(
		    "SELECT c.relname::text, a.attname::text, rc.relname::text FROM pg_constraint k "
		    "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
		    "JOIN pg_class rc ON rc.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace "
		    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1] "
		    "WHERE n.nspname = $1 AND rn.nspname = $1 AND k.contype = 'f' AND cardinality(k.conkey) = 1 ORDER BY 1, 2",
		    {schema});
		for (size_t r = 0; r < declared.rows(); ++r) {
			if (tables.count(declared.text(r, 0)) && tables.count(declared.text(r, 2))) {
				fks.push_back({{declared.text(r, 0), declared.text(r, 1), declared.text(r, 2)}, true});
			}
		}
		if (options.contains("foreign_keys")) {
			if (!options["foreign_keys"].is_array()) {
				throw InvalidInputError("option foreign_keys must be an array of {\"table\", \"column\", \"references\"}");
			}
			for (auto &item : options["foreign_keys"]) {
				if (!item.is_object() || !item.contains("table") || !item.contains("column") ||
				    !item.contains("references")) {
					throw InvalidInputError("each foreign key override needs \"table\", \"column\" and \"references\", got " +
					                        item.dump());
				}
				ForeignKey fk{require_string(item["table"], "foreign key table"),
				              require_string(item["column"], "foreign key column"),
				              require_string(item["references"], "foreign key references")};
				for (auto *t : {&fk.table, &fk.referenced_table}) {
					if (!tables.count(*t)) {
						throw NotFoundError("option foreign_keys names table \"" + *t + "\", which is not registered");
					}
				}
				if (!tables[fk.table].table.find_column(fk.column)) {
					throw NotFoundError("option foreign_keys: column \"" + fk.column + "\" does not exist in table \"" +
					                    fk.table + "\"");
				}
				fks.push_back({fk, false});
			}
		}

		// Time columns: given, or the table's only temporal column, or a conventional name among several.
		nlohmann::json time_overrides = options.value("time_columns", nlohmann::json::object());
		std::vector<std::string> ambiguous;
		for (auto &entry : tables) {
			Table &t = entry.second.table;
			if (time_overrides.contains(t.name)) {
				auto &value = time_overrides[t.name];
				if (value.is_null()) {
					continue;
				}
				std::string column = require_string(value, "time column of " + t.name);
				const Column *c = t.find_column(column);
				if (!c) {
					throw NotFoundError("option time_columns: column \"" + column + "\" does not exist in table \"" +
					                    t.name + "\"");
				}
				if (!is_temporal_type(c->data_type)) {
					throw InvalidInputError("option time_columns: column " + t.name + "." + column + " has type " +
					                        c->data_type + ", expected a date or timestamp");
				}
				t.time_column = column;
				continue;
			}
			auto &temporal = entry.second.temporal_columns;
			if (temporal.size() == 1) {
				t.time_column = temporal.front();
			} else if (temporal.size() > 1) {
				for (auto &preferred : kPreferredTimeNames) {
					for (auto &column : temporal) {
						if (t.time_column.empty() && column == preferred) {
							t.time_column = column;
						}
					}
				}
				if (t.time_column.empty()) {
					ambiguous.push_back(t.name);
				}
			}
		}
		for (auto &item : time_overrides.items()) {
			if (!tables.count(item.key())) {
				throw NotFoundError("option time_columns names table \"" + item.key() + "\", which is not registered");
			}
		}

		// Roles: keys and time by structure, the rest from type, name and a sample of the data.
		std::set<std::pair<std::string, std::string>> fk_columns;
		for (auto &fk : fks) {
			fk_columns.insert({fk.fk.table, fk.fk.column});
		}
		nlohmann::json role_overrides = options.value("column_roles", nlohmann::json::object());
		for (auto &entry : tables) {
			Table &t = entry.second.table;
			for (auto &c : t.columns) {
				if (c.name == t.primary_key) {
					c.role = ColumnRole::PrimaryKey;
				} else if (fk_columns.count({t.name, c.name})) {
					c.role = ColumnRole::ForeignKey;
				} else if (c.name == t.time_column) {
					c.role = ColumnRole::Time;
				} else {
					double ratio = -1;
					long distinct = -1;
					if (is_text_type(c.data_type)) {
						SpiResult sample = spi.query("SELECT count(DISTINCT v)::int8, count(v)::int8 FROM (SELECT " +
						                             quote_ident(c.name) + " AS v FROM " + qualified_name(schema, t.name) +
						                             " LIMIT 10000) s");
						distinct = sample.integer(0, 0);
						int64_t non_null = sample.integer(0, 1);
						ratio = non_null > 0 ? double(distinct) / double(non_null) : 1.0;
					}
					c.role = infer_column_role(c.name, c.data_type, ratio, distinct);
				}
				std::string key = t.name + "." + c.name;
				if (role_overrides.contains(key)) {
					c.role = parse_column_role(require_string(role_overrides[key], "role of " + key));
				}
			}
		}
		for (auto &item : role_overrides.items()) {
			auto dot = item.key().find('.');
			std::string table = item.key().substr(0, dot);
			if (dot == std::string::npos || !tables.count(table) ||
			    !tables[table].table.find_column(item.key().substr(dot + 1))) {
				throw NotFoundError("option column_roles names \"" + item.key() +
				                    "\", which is not a column (table.column) of the registered tables");
			}
		}

		// Validate the graph as a whole before writing anything.
		std::vector<Table> graph_tables;
		std::vector<ForeignKey> graph_fks;
		for (auto &entry : tables) {
			graph_tables.push_back(entry.second.table);
		}
		for (auto &fk : fks) {
			graph_fks.push_back(fk.fk);
		}
		SchemaGraph graph(schema, graph_tables, graph_fks);

		std::string caller = current_role(spi);
		auto existing = spi.scalar("SELECT database_id::text FROM relml.databases WHERE name = $1", {name});
		if (existing) {
			require_member_of(spi, *spi.scalar("SELECT owner::text FROM relml.databases WHERE name = $1", {name}),
			                  "re-register database \"" + name + "\"");
		}
		AsExtensionOwner owner(spi);
		std::string id;
		if (existing) {
			id = *existing;
			spi.execute("DELETE FROM relml.tables WHERE database_id = $1::int", {id});
			spi.execute("UPDATE relml.databases SET schema_name = $2, options = $3::jsonb, registered_at = now() "
			            "WHERE database_id = $1::int",
			            {id, schema, options.dump()});
		} else {
			id = *spi.scalar("INSERT INTO relml.databases (name, schema_name, options, owner) "
			                 "VALUES ($1, $2, $3::jsonb, $4) RETURNING database_id::text",
			                 {name, schema, options.dump(), caller});
		}
		nlohmann::json table_summary = nlohmann::json::object();
		for (auto &entry : tables) {
			const Table &t = entry.second.table;
			spi.execute("INSERT INTO relml.tables VALUES ($1::int, $2, nullif($3, ''), nullif($4, ''), $5::int8)",
			            {id, t.name, t.primary_key, t.time_column, std::to_string(entry.second.row_estimate)});
			int ordinal = 0;
			for (auto &c : t.columns) {
				spi.execute("INSERT INTO relml.columns VALUES ($1::int, $2, $3, $4::int, $5, $6)",
				            {id, t.name, c.name, std::to_string(++ordinal), c.data_type, to_string(c.role)});
			}
			table_summary[t.name] = {{"primary_key", t.primary_key.empty() ? nlohmann::json() : nlohmann::json(t.primary_key)},
			                         {"time_column", t.time_column.empty() ? nlohmann::json() : nlohmann::json(t.time_column)},
			                         {"columns", t.columns.size()}};
		}
		for (auto &fk : fks) {
			spi.execute("INSERT INTO relml.foreign_keys VALUES ($1::int, $2, $3, $4, $5::boolean)",
			            {id, fk.fk.table, fk.fk.column, fk.fk.referenced_table, fk.declared ? "true" : "false"});
		}
		summary = {{"database", name},     {"schema", schema},          {"tables", table_summary},
		           {"foreign_keys", fks.size()}, {"reregistered", existing.has_value()}};
		if (!ambiguous.empty()) {
			summary["tables_without_time_column"] = ambiguous;
			std::string list;
			for (auto &t : ambiguous) {
				list += (list.empty() ? "" : ", ") + t;
			}
			notice("tables with several date/timestamp columns and no time column chosen: " + list +
			       " (choose with options => '{\"time_columns\": {\"table\": \"column\"}}')");
		}
	}
	PG_RETURN_DATUM(jsonb_datum(summary));
}
