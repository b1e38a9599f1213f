#include "pg/catalog/database_catalog.hpp"

#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/task_catalog.hpp"

#include <map>

namespace relml::pg {

namespace {

// The rows of `registration` under database `id`: its tables, their columns in order, its foreign keys.
void insert_registration_rows(SpiConnection &spi, const std::string &id, const Registration &registration) {
	for (auto &t : registration.graph.tables()) {
		spi.execute("INSERT INTO relml.tables VALUES ($1::int, $2, nullif($3, ''), nullif($4, ''), $5::int8)",
		            {id, t.name, t.primary_key, t.time_column, std::to_string(registration.row_estimates.at(t.name))});
		int ordinal = 0;
		for (auto &c : t.columns) {
			spi.execute("INSERT INTO relml.columns VALUES ($1::int, $2, $3, $4::int, $5, $6)",
			            {id, t.name, c.name, std::to_string(++ordinal), c.data_type, to_string(c.role)});
		}
	}
	for (auto &fk : registration.foreign_keys) {
		spi.execute("INSERT INTO relml.foreign_keys VALUES ($1::int, $2, $3, $4, $5::boolean)",
		            {id, fk.key.table, fk.key.column, fk.key.referenced_table, fk.declared ? "true" : "false"});
	}
}

} // namespace

Database find_database(SpiConnection &spi, const std::string &name, const std::string &hint) {
	auto id = spi.scalar("SELECT database_id::text FROM relml.databases WHERE name = $1", {name});
	if (!id) {
		throw NotFoundError("database \"" + name + "\" is not registered (" + hint + ")");
	}
	return {std::stoi(*id), name};
}

SchemaGraph load_schema_graph(SpiConnection &spi, int database_id) {
	// Every prediction reads the registration: its statements keep their plans.
	SqlParams id = {std::to_string(database_id)};
	SpiResult schema = spi.query_kept("SELECT schema_name::text FROM relml.databases WHERE database_id = $1::int", id);
	if (schema.rows() == 0) {
		throw NotFoundError("database " + std::to_string(database_id) + " is not registered");
	}
	std::vector<Table> tables;
	std::map<std::string, size_t> index;
	SpiResult t = spi.query_kept("SELECT table_name::text, coalesce(primary_key::text, ''), coalesce(time_column::text, '') "
	                        "FROM relml.tables WHERE database_id = $1::int ORDER BY table_name",
	                        id);
	for (size_t r = 0; r < t.rows(); ++r) {
		index[t.text(r, 0)] = tables.size();
		tables.push_back({t.text(r, 0), t.text(r, 1), t.text(r, 2), {}});
	}
	SpiResult c = spi.query_kept("SELECT table_name::text, column_name::text, data_type, role FROM relml.columns "
	                        "WHERE database_id = $1::int ORDER BY table_name, ordinal",
	                        id);
	for (size_t r = 0; r < c.rows(); ++r) {
		tables[index.at(c.text(r, 0))].columns.push_back({c.text(r, 1), c.text(r, 2), parse_column_role(c.text(r, 3))});
	}
	std::vector<ForeignKey> fks;
	SpiResult f = spi.query_kept("SELECT table_name::text, column_name::text, referenced_table::text FROM relml.foreign_keys "
	                        "WHERE database_id = $1::int ORDER BY table_name, column_name",
	                        id);
	for (size_t r = 0; r < f.rows(); ++r) {
		fks.push_back({f.text(r, 0), f.text(r, 1), f.text(r, 2)});
	}
	return SchemaGraph(schema.text(0, 0), std::move(tables), std::move(fks));
}

bool store_registration(SpiConnection &spi, const std::string &name, const nlohmann::json &options,
                        const Registration &registration) {
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
		            {id, registration.graph.schema(), options.dump()});
	} else {
		id = *spi.scalar("INSERT INTO relml.databases (name, schema_name, options, owner) "
		                 "VALUES ($1, $2, $3::jsonb, $4) RETURNING database_id::text",
		                 {name, registration.graph.schema(), options.dump(), caller});
	}
	insert_registration_rows(spi, id, registration);
	return existing.has_value();
}

} // namespace relml::pg
