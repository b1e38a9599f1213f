#include "graph/graph_load_plan.hpp"

#include "common/error.hpp"
#include "sql/casts.hpp"
#include "sql/identifier.hpp"

namespace relml {

namespace {

// Per table of the schema, whether its keys compare as integers (TableLoadPlan::integer_keys).
std::vector<bool> integer_key_tables(const SchemaGraph &schema) {
	std::vector<bool> integer(schema.tables().size(), false);
	for (size_t t = 0; t < schema.tables().size(); ++t) {
		const Table &table = schema.tables()[t];
		const Column *pk = table.primary_key.empty() ? nullptr : table.find_column(table.primary_key);
		integer[t] = pk && is_integer_type(pk->data_type);
		for (const ForeignKey &fk : schema.children_of(table.name)) {
			const Column *column = schema.table(fk.table).find_column(fk.column);
			integer[t] = integer[t] && column && is_integer_type(column->data_type);
		}
	}
	return integer;
}

std::string key_expression(const std::string &column, bool integer) {
	return "(" + quote_ident(column) + (integer ? ")::int8" : ")::text");
}

// Whether a numerical column is PostgreSQL's numeric, which arrives as it is and is converted by the loader.
bool arrives_as_numeric(const Column &column) {
	return column.role == ColumnRole::Numerical && column.data_type.rfind("numeric", 0) == 0;
}

// The select-list expression of a feature column: everything arrives as float8 or text, but numeric.
std::string feature_expression(const Column &column) {
	std::string name = "(" + quote_ident(column.name) + ")";
	switch (column.role) {
	case ColumnRole::Numerical:
		return arrives_as_numeric(column) ? name : float8_expression(name, false);
	case ColumnRole::Boolean:
		return float8_expression(name, column.data_type == "boolean");
	case ColumnRole::Timestamp:
		return "extract(epoch FROM " + name + "::timestamp)::float8";
	default:
		return name + "::text";
	}
}

LoadSlot feature_slot(const Column &column) {
	return column.role == ColumnRole::Categorical ? LoadSlot::Category
	       : column.role == ColumnRole::Text      ? LoadSlot::Text
	                                              : LoadSlot::Number;
}

// The table a foreign-key column of `table` points at.
const std::string &referenced_table(const SchemaGraph &schema, const std::string &table, const std::string &column) {
	for (const ForeignKey &fk : schema.foreign_keys()) {
		if (fk.table == table && fk.column == column) {
			return fk.referenced_table;
		}
	}
	throw InternalError("column " + table + "." + column + " is no foreign key of the schema graph");
}

TableLoadPlan plan_table(const SchemaGraph &schema, const TableLayout &layout, const std::vector<bool> &integer_keys) {
	TableLoadPlan plan;
	plan.integer_keys = integer_keys[schema.table_position(layout.table)];
	std::vector<std::string> select;
	if (!layout.primary_key.empty()) {
		select.push_back(key_expression(layout.primary_key, plan.integer_keys));
		plan.columns.push_back({LoadSlot::PrimaryKey, 0, plan.integer_keys});
	}
	for (size_t f = 0; f < layout.foreign_keys.size(); ++f) {
		const std::string &parent = referenced_table(schema, layout.table, layout.foreign_keys[f]);
		bool integer = integer_keys[schema.table_position(parent)];
		select.push_back(key_expression(layout.foreign_keys[f], integer));
		plan.columns.push_back({LoadSlot::ForeignKey, f, integer});
	}
	if (!layout.time_column.empty()) {
		select.push_back("(" + quote_ident(layout.time_column) + ")::timestamp");
		plan.columns.push_back({LoadSlot::Time});
	}
	for (size_t c = 0; c < layout.feature_columns.size(); ++c) {
		select.push_back(feature_expression(layout.feature_columns[c]));
		LoadColumn load{feature_slot(layout.feature_columns[c]), c};
		load.numeric = arrives_as_numeric(layout.feature_columns[c]);
		plan.columns.push_back(load);
	}
	std::string list;
	for (const std::string &item : select) {
		list += (list.empty() ? "" : ", ") + item;
	}
	plan.sql = "SELECT " + (list.empty() ? std::string("1") : list) + " FROM " +
	           qualified_name(schema.schema(), layout.table);
	return plan;
}

} // namespace

bool LoadColumn::arrives_as_text() const {
	bool key = slot == LoadSlot::PrimaryKey || slot == LoadSlot::ForeignKey;
	return (key && !integer) || slot == LoadSlot::Category || slot == LoadSlot::Text;
}

std::vector<TableLoadPlan> plan_graph_load(const SchemaGraph &schema, const std::vector<TableLayout> &layouts) {
	std::vector<bool> integer_keys = integer_key_tables(schema);
	std::vector<TableLoadPlan> plans;
	for (const TableLayout &layout : layouts) {
		plans.push_back(plan_table(schema, layout, integer_keys));
	}
	return plans;
}

} // namespace relml
