// relml.register_database: reads a schema's tables, keys and columns from the system catalog, lets the core
// decide what to register (schema/schema_registration), stores the result in relml.tables / columns /
// foreign_keys, and installs change tracking on the tables the caller owns.
#include "pg/boundary/args.hpp"
#include "pg/boundary/spi.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/data/table_versions.hpp"

#include "schema/schema_registration.hpp"

namespace relml::pg {

namespace {

// NotFoundError when `schema` does not exist, PermissionError when the caller may not look into it.
void require_schema_usage(SpiConnection &spi, const std::string &schema) {
	if (!spi.scalar("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema})) {
		throw NotFoundError("schema \"" + schema + "\" does not exist");
	}
	auto usage = spi.scalar("SELECT has_schema_privilege($1, 'USAGE')", {schema});
	if (!usage || *usage != "t") {
		throw PermissionError("permission denied for schema \"" + schema + "\": USAGE is required to register it");
	}
}

// The rows of the core's registration queries for `schema`.
SchemaCatalog read_schema_catalog(SpiConnection &spi, const std::string &schema) {
	auto rows = [&](const std::string &sql) { return spi.query(sql, {schema}).text_rows(); };
	return schema_catalog_from_rows(rows(registration_tables_sql()), rows(registration_columns_sql()),
	                                rows(registration_primary_keys_sql()), rows(registration_foreign_keys_sql()));
}

} // namespace

// relml.register_database(name, schema_name, options): registers or re-registers a schema, returns a summary.
RELML_SQL_FUNCTION(relml_register_database) {
	std::string name = text_arg(fcinfo, 0, "name");
	std::string schema = text_arg(fcinfo, 1, "schema_name");
	nlohmann::json options = jsonb_arg(fcinfo, 2, "options");
	// A mistyped option is reported before the schema is looked at.
	check_registration_options(options);
	nlohmann::json summary;
	{
		SpiConnection spi;
		require_schema_usage(spi, schema);
		SchemaCatalog catalog = read_schema_catalog(spi, schema);
		// Sampled as the caller: a table it may not read fails the registration with its own error.
		ColumnSampler sample = [&](const std::string &table, const std::string &column) {
			SpiResult counts = spi.query(column_sample_sql(schema, table, column));
			return ColumnSample{counts.integer(0, 0), counts.integer(0, 1)};
		};
		Registration registration = register_schema(schema, options, catalog, sample);
		bool reregistered = store_registration(spi, name, options, registration);
		summary = registration.summary(name, reregistered);
		summary["change_tracking"] = install_change_tracking(spi, registration.graph);
		std::string ambiguity = registration.ambiguity_notice();
		if (!ambiguity.empty()) {
			notice(ambiguity);
		}
	}
	PG_RETURN_DATUM(jsonb_datum(summary));
}

} // namespace relml::pg
