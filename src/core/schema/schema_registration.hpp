// Registration of a schema (relml.register_database): the SQL that reads the system catalog, the options, and
// the rules that turn what the catalog says into a SchemaGraph: which tables, keys and time columns, and the
// role of every column. The PostgreSQL adapter runs the queries and stores the result; everything decided
// here is unit-tested without a server.
#pragma once

#include "common/no_postgres.hpp"

#include "schema/schema_graph.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace relml {

// A table or view of the schema and the planner's estimate of its rows (registration_tables_sql).
struct CatalogTable {
	std::string name;
	int64_t row_estimate = 0;
};

// A column of the schema, in attribute order within its table (registration_columns_sql).
struct CatalogColumn {
	std::string table;
	std::string name;
	std::string data_type; // as format_type() prints it
};

// A declared single-column primary key (registration_primary_keys_sql).
struct CatalogPrimaryKey {
	std::string table;
	std::string column;
};

// What the system catalog says about one schema: the rows of the four registration queries. Declared foreign
// keys are those of registration_foreign_keys_sql.
struct SchemaCatalog {
	std::vector<CatalogTable> tables;
	std::vector<CatalogColumn> columns;
	std::vector<CatalogPrimaryKey> primary_keys;
	std::vector<ForeignKey> foreign_keys;
};

// Query rows as text, one vector per row.
using TextRows = std::vector<std::vector<std::string>>;

// The catalog from the rows of the four registration queries, in their column order.
SchemaCatalog schema_catalog_from_rows(const TextRows &tables, const TextRows &columns, const TextRows &primary_keys,
                                       const TextRows &foreign_keys);

// Distinct and non-null values among the first rows of a text column (column_sample_sql).
struct ColumnSample {
	int64_t distinct = 0;
	int64_t non_null = 0;
};

// Samples a text column of the schema, as column_sample_sql does; asked only for text columns whose role
// depends on their values.
using ColumnSampler = std::function<ColumnSample(const std::string &table, const std::string &column)>;

// A foreign key of the registration, and whether the catalog declares it (false: given in the options).
struct RegisteredForeignKey {
	ForeignKey key;
	bool declared = false;
};

// The outcome of a registration: what relml stores and what the call reports.
struct Registration {
	SchemaGraph graph;                           // tables in name order
	std::map<std::string, int64_t> row_estimates; // by table
	std::vector<RegisteredForeignKey> foreign_keys; // as in graph.foreign_keys(), with the declared flag
	std::vector<std::string> tables_without_time_column; // several temporal columns, none chosen

	// What relml.register_database returns; `reregistered` comes from the catalog when it is stored.
	nlohmann::json summary(const std::string &database, bool reregistered) const;
	// The NOTICE naming tables_without_time_column and how to choose; empty when there are none.
	std::string ambiguity_notice() const;
};

// The schema's tables, views and foreign tables (not partitions) with their row estimates; $1 = schema.
std::string registration_tables_sql();
// (table, column, type) of every live column of the schema, by table and attribute number; $1 = schema.
std::string registration_columns_sql();
// (table, column) of every single-column primary key of the schema; $1 = schema.
std::string registration_primary_keys_sql();
// (table, column, referenced table) of every single-column foreign key between tables of the schema;
// $1 = schema.
std::string registration_foreign_keys_sql();
// (distinct values, non-null values) among the first 10000 rows of `column`.
std::string column_sample_sql(const std::string &schema, const std::string &table, const std::string &column);

// InvalidInputError for a key of the options that relml.register_database does not know.
void check_registration_options(const nlohmann::json &options);

// Applies the options (tables, exclude_tables, primary_keys, foreign_keys, time_columns, column_roles) to what
// the catalog says about `schema`, infers the roles of the remaining columns (sampling text columns through
// `sample`) and validates the whole graph. InvalidInputError or NotFoundError name the option at fault.
Registration register_schema(const std::string &schema, const nlohmann::json &options, const SchemaCatalog &catalog,
                             const ColumnSampler &sample);

} // namespace relml
