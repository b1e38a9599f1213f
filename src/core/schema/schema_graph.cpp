#include "schema/schema_graph.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cctype>

namespace relml {

namespace {

const std::vector<std::pair<ColumnRole, const char *>> kRoleNames = {
    {ColumnRole::PrimaryKey, "primary_key"}, {ColumnRole::ForeignKey, "foreign_key"},
    {ColumnRole::Time, "time"},              {ColumnRole::Numerical, "numerical"},
    {ColumnRole::Categorical, "categorical"}, {ColumnRole::Boolean, "boolean"},
    {ColumnRole::Timestamp, "timestamp"},    {ColumnRole::Text, "text"},
    {ColumnRole::Ignored, "ignored"}};

std::string lower(std::string text) {
	std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
	return text;
}

bool ends_with(const std::string &text, const std::string &suffix) {
	return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Integer codes such as statusId or country_id name categories, not quantities. The "id" must be a word of
// its own (id, *_id, *Id, *ID after a lower-case letter): paid, bid or valid are quantities and flags.
bool looks_like_code(const std::string &column) {
	std::string name = lower(column);
	bool camel_id = column.size() > 2 && std::islower(static_cast<unsigned char>(column[column.size() - 3])) &&
	                (ends_with(column, "Id") || ends_with(column, "ID"));
	return name == "id" || ends_with(name, "_id") || camel_id || ends_with(name, "_code");
}

// Arrays of a type ("integer[]") are not values of it: no aggregate or comparison of the element type applies.
bool is_array_type(const std::string &data_type) {
	return ends_with(data_type, "[]");
}

} // namespace

std::string to_string(ColumnRole role) {
	for (auto &entry : kRoleNames) {
		if (entry.first == role) {
			return entry.second;
		}
	}
	throw InternalError("unknown column role");
}

ColumnRole parse_column_role(const std::string &text) {
	for (auto &entry : kRoleNames) {
		if (text == entry.second) {
			return entry.first;
		}
	}
	throw InvalidInputError("unknown column role \"" + text +
	                        "\": expected numerical, categorical, boolean, timestamp, text or ignored");
}

bool is_numeric_type(const std::string &data_type) {
	if (is_array_type(data_type)) {
		return false;
	}
	static const char *kTypes[] = {"smallint", "integer", "bigint", "real", "double precision", "numeric"};
	for (const char *type : kTypes) {
		if (data_type.rfind(type, 0) == 0) {
			return true;
		}
	}
	return false;
}

bool is_temporal_type(const std::string &data_type) {
	return !is_array_type(data_type) && (data_type == "date" || data_type.rfind("timestamp", 0) == 0);
}

bool is_text_type(const std::string &data_type) {
	return !is_array_type(data_type) && (data_type == "text" || data_type.rfind("character", 0) == 0 ||
	                                     data_type == "name" || data_type == "citext");
}

bool is_integer_type(const std::string &data_type) {
	return data_type == "smallint" || data_type == "integer" || data_type == "bigint";
}

ColumnRole infer_column_role(const std::string &column, const std::string &data_type, double distinct_ratio,
                             long distinct_count) {
	if (data_type == "boolean") {
		return ColumnRole::Boolean;
	}
	if (is_temporal_type(data_type)) {
		return ColumnRole::Timestamp;
	}
	if (is_numeric_type(data_type)) {
		return is_integer_type(data_type) && looks_like_code(column) ? ColumnRole::Categorical
		                                                             : ColumnRole::Numerical;
	}
	if (is_text_type(data_type)) {
		bool few_values = distinct_count >= 0 && distinct_count <= 1000;
		bool repeated = distinct_ratio >= 0 && distinct_ratio <= 0.5;
		return few_values && repeated ? ColumnRole::Categorical : ColumnRole::Text;
	}
	return ColumnRole::Ignored;
}

const Column *Table::find_column(const std::string &column) const {
	for (auto &c : columns) {
		if (c.name == column) {
			return &c;
		}
	}
	return nullptr;
}

SchemaGraph::SchemaGraph(std::string schema, std::vector<Table> tables, std::vector<ForeignKey> foreign_keys)
    : schema_(std::move(schema)), tables_(std::move(tables)), foreign_keys_(std::move(foreign_keys)) {
	for (auto &fk : foreign_keys_) {
		const Table &child = table(fk.table);
		const Table &parent = table(fk.referenced_table);
		if (!child.find_column(fk.column)) {
			throw InvalidInputError("foreign key column \"" + fk.column + "\" does not exist in table \"" +
			                        fk.table + "\"");
		}
		if (parent.primary_key.empty()) {
			throw InvalidInputError("foreign key " + fk.table + "." + fk.column + " references table \"" +
			                        fk.referenced_table + "\", which has no primary key");
		}
	}
}

const Table *SchemaGraph::find_table(const std::string &name) const {
	for (auto &t : tables_) {
		if (t.name == name) {
			return &t;
		}
	}
	return nullptr;
}

const Table &SchemaGraph::table(const std::string &name) const {
	if (const Table *t = find_table(name)) {
		return *t;
	}
	throw NotFoundError("table \"" + name + "\" is not part of registered schema \"" + schema_ + "\"");
}

size_t SchemaGraph::table_position(const std::string &name) const {
	return static_cast<size_t>(&table(name) - tables_.data());
}

std::vector<ForeignKey> SchemaGraph::children_of(const std::string &table) const {
	std::vector<ForeignKey> result;
	for (auto &fk : foreign_keys_) {
		if (fk.referenced_table == table) {
			result.push_back(fk);
		}
	}
	return result;
}

std::vector<ForeignKey> SchemaGraph::parents_of(const std::string &table) const {
	std::vector<ForeignKey> result;
	for (auto &fk : foreign_keys_) {
		if (fk.table == table) {
			result.push_back(fk);
		}
	}
	return result;
}

nlohmann::json SchemaGraph::to_json() const {
	nlohmann::json tables = nlohmann::json::array();
	for (auto &t : tables_) {
		nlohmann::json columns = nlohmann::json::array();
		for (auto &c : t.columns) {
			columns.push_back({{"name", c.name}, {"data_type", c.data_type}, {"role", to_string(c.role)}});
		}
		tables.push_back({{"name", t.name}, {"primary_key", t.primary_key}, {"time_column", t.time_column},
		                  {"columns", columns}});
	}
	nlohmann::json fks = nlohmann::json::array();
	for (auto &fk : foreign_keys_) {
		fks.push_back({{"table", fk.table}, {"column", fk.column}, {"referenced_table", fk.referenced_table}});
	}
	return {{"schema", schema_}, {"tables", tables}, {"foreign_keys", fks}};
}

SchemaGraph SchemaGraph::from_json(const nlohmann::json &json) {
	std::vector<Table> tables;
	for (auto &t : json.at("tables")) {
		Table table;
		table.name = t.at("name").get<std::string>();
		table.primary_key = t.at("primary_key").get<std::string>();
		table.time_column = t.at("time_column").get<std::string>();
		for (auto &c : t.at("columns")) {
			table.columns.push_back({c.at("name").get<std::string>(), c.at("data_type").get<std::string>(),
			                         parse_column_role(c.at("role").get<std::string>())});
		}
		tables.push_back(std::move(table));
	}
	std::vector<ForeignKey> fks;
	for (auto &fk : json.at("foreign_keys")) {
		fks.push_back({fk.at("table").get<std::string>(), fk.at("column").get<std::string>(),
		               fk.at("referenced_table").get<std::string>()});
	}
	return SchemaGraph(json.at("schema").get<std::string>(), std::move(tables), std::move(fks));
}

} // namespace relml
