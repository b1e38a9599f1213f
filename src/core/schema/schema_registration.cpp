#include "schema/schema_registration.hpp"

#include "common/error.hpp"
#include "common/json_options.hpp"
#include "sql/identifier.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace relml {

namespace {

const std::set<std::string> kOptionKeys = {"tables", "exclude_tables", "primary_keys", "foreign_keys", "time_columns",
                                           "column_roles"};
// Column names that usually hold the event time when a table has several temporal columns, most likely first.
const std::vector<std::string> kPreferredTimeNames = {"date", "time", "timestamp", "event_time", "created_at",
                                                      "occurred_at"};

std::string require_string(const nlohmann::json &value, const std::string &what) {
	if (!value.is_string()) {
		throw InvalidInputError(what + " must be a string, got " + value.dump());
	}
	return value.get<std::string>();
}

nlohmann::json null_if_empty(const std::string &text) {
	return text.empty() ? nlohmann::json() : nlohmann::json(text);
}

// A table while the registration decides about it.
struct TableDraft {
	Table table;
	int64_t row_estimate = 0;
	std::vector<std::string> temporal_columns;
};

// The steps of register_schema, in the order their errors are reported: tables, primary keys, foreign keys,
// time columns, roles, the graph as a whole.
class SchemaRegistrar {
public:
	SchemaRegistrar(const std::string &schema, const nlohmann::json &options) : schema_(schema), options_(options) {
	}

	void keep_tables(const std::vector<CatalogTable> &catalog_tables);
	void add_columns(const std::vector<CatalogColumn> &columns);
	void set_primary_keys(const std::vector<CatalogPrimaryKey> &declared);
	void add_foreign_keys(const std::vector<ForeignKey> &declared);
	void choose_time_columns();
	void assign_roles(const ColumnSampler &sample);
	Registration finish() const;

private:
	std::set<std::string> table_names(const char *key) const;
	ForeignKey foreign_key_override(const nlohmann::json &item) const;
	ColumnRole inferred_role(const Table &table, const Column &column,
	                         const std::set<std::pair<std::string, std::string>> &fk_columns,
	                         const ColumnSampler &sample) const;
	void check_role_override_keys(const nlohmann::json &role_overrides) const;

	const std::string &schema_;
	const nlohmann::json &options_;
	std::map<std::string, TableDraft> tables_; // by name: the order relml stores and reports them in
	std::vector<RegisteredForeignKey> foreign_keys_;
	std::vector<std::string> ambiguous_;
};

// The table names of option `key` (tables or exclude_tables); empty when it is absent.
std::set<std::string> SchemaRegistrar::table_names(const char *key) const {
	std::set<std::string> names;
	if (options_.contains(key)) {
		for (auto &t : options_.at(key)) {
			names.insert(require_string(t, std::string("option ") + key));
		}
	}
	return names;
}

void SchemaRegistrar::keep_tables(const std::vector<CatalogTable> &catalog_tables) {
	for (const char *key : {"tables", "exclude_tables"}) {
		if (options_.contains(key) && !options_.at(key).is_array()) {
			throw InvalidInputError(std::string("option ") + key + " must be an array of table names, got " +
			                        options_.at(key).dump());
		}
	}
	std::set<std::string> only = table_names("tables");
	std::set<std::string> excluded = table_names("exclude_tables");
	for (auto &catalog_table : catalog_tables) {
		const std::string &name = catalog_table.name;
		if ((!only.empty() && !only.count(name)) || excluded.count(name)) {
			continue;
		}
		TableDraft draft;
		draft.table.name = name;
		draft.row_estimate = catalog_table.row_estimate;
		tables_.emplace(name, std::move(draft));
	}
	for (auto &name : only) {
		if (!tables_.count(name)) {
			throw NotFoundError("table \"" + name + "\" named in option tables does not exist in schema \"" + schema_ +
			                    "\"");
		}
	}
	if (tables_.empty()) {
		throw InvalidInputError("schema \"" + schema_ + "\" has no tables to register");
	}
}

void SchemaRegistrar::add_columns(const std::vector<CatalogColumn> &columns) {
	for (auto &column : columns) {
		auto it = tables_.find(column.table);
		if (it == tables_.end()) {
			continue;
		}
		it->second.table.columns.push_back({column.name, column.data_type, ColumnRole::Ignored});
		if (is_temporal_type(column.data_type)) {
			it->second.temporal_columns.push_back(column.name);
		}
	}
}

// Declared single-column primary keys, then those of option primary_keys, which win.
void SchemaRegistrar::set_primary_keys(const std::vector<CatalogPrimaryKey> &declared) {
	for (auto &key : declared) {
		auto it = tables_.find(key.table);
		if (it != tables_.end()) {
			it->second.table.primary_key = key.column;
		}
	}
	if (!options_.contains("primary_keys")) {
		return;
	}
	for (auto &item : options_.at("primary_keys").items()) {
		auto it = tables_.find(item.key());
		std::string column = require_string(item.value(), "primary key of " + item.key());
		if (it == tables_.end()) {
			throw NotFoundError("option primary_keys names table \"" + item.key() + "\", which is not registered");
		}
		if (!it->second.table.find_column(column)) {
			throw NotFoundError("option primary_keys: column \"" + column + "\" does not exist in table \"" +
			                    item.key() + "\"");
		}
		it->second.table.primary_key = column;
	}
}

// One entry of option foreign_keys, checked against the registered tables.
ForeignKey SchemaRegistrar::foreign_key_override(const nlohmann::json &item) const {
	if (!item.is_object() || !item.contains("table") || !item.contains("column") || !item.contains("references")) {
		throw InvalidInputError("each foreign key override needs \"table\", \"column\" and \"references\", got " +
		                        item.dump());
	}
	ForeignKey fk{require_string(item.at("table"), "foreign key table"),
	              require_string(item.at("column"), "foreign key column"),
	              require_string(item.at("references"), "foreign key references")};
	for (auto *t : {&fk.table, &fk.referenced_table}) {
		if (!tables_.count(*t)) {
			throw NotFoundError("option foreign_keys names table \"" + *t + "\", which is not registered");
		}
	}
	if (!tables_.at(fk.table).table.find_column(fk.column)) {
		throw NotFoundError("option foreign_keys: column \"" + fk.column + "\" does not exist in table \"" + fk.table +
		                    "\"");
	}
	return fk;
}

// Declared foreign keys between registered tables, then those of option foreign_keys.
void SchemaRegistrar::add_foreign_keys(const std::vector<ForeignKey> &declared) {
	for (auto &fk : declared) {
		if (tables_.count(fk.table) && tables_.count(fk.referenced_table)) {
			foreign_keys_.push_back({fk, true});
		}
	}
	if (!options_.contains("foreign_keys")) {
		return;
	}
	if (!options_.at("foreign_keys").is_array()) {
		throw InvalidInputError("option foreign_keys must be an array of {\"table\", \"column\", \"references\"}");
	}
	for (auto &item : options_.at("foreign_keys")) {
		foreign_keys_.push_back({foreign_key_override(item), false});
	}
}

// Time columns: given (null: none), or the table's only temporal column, or a conventional name among several;
// tables with several and none conventional stay without one and are reported.
void SchemaRegistrar::choose_time_columns() {
	nlohmann::json time_overrides = options_.value("time_columns", nlohmann::json::object());
	for (auto &entry : tables_) {
		Table &t = entry.second.table;
		if (time_overrides.contains(t.name)) {
			auto &value = time_overrides.at(t.name);
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
				if (std::find(temporal.begin(), temporal.end(), preferred) != temporal.end()) {
					t.time_column = preferred;
					break;
				}
			}
			if (t.time_column.empty()) {
				ambiguous_.push_back(t.name);
			}
		}
	}
	for (auto &item : time_overrides.items()) {
		if (!tables_.count(item.key())) {
			throw NotFoundError("option time_columns names table \"" + item.key() + "\", which is not registered");
		}
	}
}

// Keys and the time column by structure; the rest from type and name, and for text from a sample of the data.
ColumnRole SchemaRegistrar::inferred_role(const Table &table, const Column &column,
                                          const std::set<std::pair<std::string, std::string>> &fk_columns,
                                          const ColumnSampler &sample) const {
	if (column.name == table.primary_key) {
		return ColumnRole::PrimaryKey;
	}
	if (fk_columns.count({table.name, column.name})) {
		return ColumnRole::ForeignKey;
	}
	if (column.name == table.time_column) {
		return ColumnRole::Time;
	}
	double ratio = -1;
	long distinct = -1;
	if (is_text_type(column.data_type)) {
		ColumnSample counts = sample(table.name, column.name);
		distinct = static_cast<long>(counts.distinct);
		ratio = counts.non_null > 0 ? double(counts.distinct) / double(counts.non_null) : 1.0;
	}
	return infer_column_role(column.name, column.data_type, ratio, distinct);
}

void SchemaRegistrar::check_role_override_keys(const nlohmann::json &role_overrides) const {
	for (auto &item : role_overrides.items()) {
		auto dot = item.key().find('.');
		auto table = tables_.find(item.key().substr(0, dot));
		if (dot == std::string::npos || table == tables_.end() ||
		    !table->second.table.find_column(item.key().substr(dot + 1))) {
			throw NotFoundError("option column_roles names \"" + item.key() +
			                    "\", which is not a column (table.column) of the registered tables");
		}
	}
}

// Every column's role, inferred, then replaced by option column_roles ("table.column": role) where given.
void SchemaRegistrar::assign_roles(const ColumnSampler &sample) {
	std::set<std::pair<std::string, std::string>> fk_columns;
	for (auto &fk : foreign_keys_) {
		fk_columns.insert({fk.key.table, fk.key.column});
	}
	nlohmann::json role_overrides = options_.value("column_roles", nlohmann::json::object());
	for (auto &entry : tables_) {
		Table &t = entry.second.table;
		for (auto &c : t.columns) {
			c.role = inferred_role(t, c, fk_columns, sample);
			std::string key = t.name + "." + c.name;
			if (role_overrides.contains(key)) {
				c.role = parse_column_role(require_string(role_overrides.at(key), "role of " + key));
			}
		}
	}
	check_role_override_keys(role_overrides);
}

// The graph, validated as a whole, with what is stored beside it.
Registration SchemaRegistrar::finish() const {
	std::vector<Table> graph_tables;
	Registration registration;
	for (auto &entry : tables_) {
		graph_tables.push_back(entry.second.table);
		registration.row_estimates[entry.first] = entry.second.row_estimate;
	}
	std::vector<ForeignKey> graph_fks;
	for (auto &fk : foreign_keys_) {
		graph_fks.push_back(fk.key);
	}
	registration.graph = SchemaGraph(schema_, std::move(graph_tables), std::move(graph_fks));
	registration.foreign_keys = foreign_keys_;
	registration.tables_without_time_column = ambiguous_;
	return registration;
}

} // namespace

nlohmann::json Registration::summary(const std::string &database, bool reregistered) const {
	nlohmann::json tables = nlohmann::json::object();
	for (auto &t : graph.tables()) {
		tables[t.name] = {{"primary_key", null_if_empty(t.primary_key)},
		                  {"time_column", null_if_empty(t.time_column)},
		                  {"columns", t.columns.size()}};
	}
	nlohmann::json result = {{"database", database},
	                         {"schema", graph.schema()},
	                         {"tables", tables},
	                         {"foreign_keys", foreign_keys.size()},
	                         {"reregistered", reregistered}};
	if (!tables_without_time_column.empty()) {
		result["tables_without_time_column"] = tables_without_time_column;
	}
	return result;
}

std::string Registration::ambiguity_notice() const {
	if (tables_without_time_column.empty()) {
		return "";
	}
	return "tables with several date/timestamp columns and no time column chosen: " +
	       join(tables_without_time_column) +
	       " (choose with options => '{\"time_columns\": {\"table\": \"column\"}}')";
}

std::string registration_tables_sql() {
	return "SELECT c.relname::text, greatest(c.reltuples, 0)::int8 FROM pg_class c "
	       "JOIN pg_namespace n ON n.oid = c.relnamespace "
	       "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm', 'f', 'v') AND NOT c.relispartition "
	       "ORDER BY 1";
}

std::string registration_columns_sql() {
	return "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
	       "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
	       "WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum";
}

std::string registration_primary_keys_sql() {
	return "SELECT c.relname::text, a.attname::text FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
	       "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
	       "AND a.attnum = k.conkey[1] WHERE n.nspname = $1 AND k.contype = 'p' AND cardinality(k.conkey) = 1";
}

std::string registration_foreign_keys_sql() {
	return "SELECT c.relname::text, a.attname::text, rc.relname::text FROM pg_constraint k "
	       "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
	       "JOIN pg_class rc ON rc.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace "
	       "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1] "
	       "WHERE n.nspname = $1 AND rn.nspname = $1 AND k.contype = 'f' AND cardinality(k.conkey) = 1 ORDER BY 1, 2";
}

std::string column_sample_sql(const std::string &schema, const std::string &table, const std::string &column) {
	return "SELECT count(DISTINCT v)::int8, count(v)::int8 FROM (SELECT " + quote_ident(column) + " AS v FROM " +
	       qualified_name(schema, table) + " LIMIT 10000) s";
}

void check_registration_options(const nlohmann::json &options) {
	for (auto &item : options.items()) {
		if (!kOptionKeys.count(item.key())) {
			throw InvalidInputError("unknown option \"" + item.key() +
			                        "\" of register_database: expected tables, exclude_tables, primary_keys, "
			                        "foreign_keys, time_columns or column_roles");
		}
	}
}

SchemaCatalog schema_catalog_from_rows(const TextRows &tables, const TextRows &columns, const TextRows &primary_keys,
                                       const TextRows &foreign_keys) {
	SchemaCatalog catalog;
	for (const auto &row : tables) {
		catalog.tables.push_back({row.at(0), std::stoll(row.at(1))});
	}
	for (const auto &row : columns) {
		catalog.columns.push_back({row.at(0), row.at(1), row.at(2)});
	}
	for (const auto &row : primary_keys) {
		catalog.primary_keys.push_back({row.at(0), row.at(1)});
	}
	for (const auto &row : foreign_keys) {
		catalog.foreign_keys.push_back({row.at(0), row.at(1), row.at(2)});
	}
	return catalog;
}

Registration register_schema(const std::string &schema, const nlohmann::json &options, const SchemaCatalog &catalog,
                             const ColumnSampler &sample) {
	check_registration_options(options);
	SchemaRegistrar registrar(schema, options);
	registrar.keep_tables(catalog.tables);
	registrar.add_columns(catalog.columns);
	registrar.set_primary_keys(catalog.primary_keys);
	registrar.add_foreign_keys(catalog.foreign_keys);
	registrar.choose_time_columns();
	registrar.assign_roles(sample);
	return registrar.finish();
}

} // namespace relml
