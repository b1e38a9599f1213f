#include "pg/catalog/database_catalog.hpp"

#include <map>

namespace relml::pg {

Database find_database(SpiConnection &spi, const std::string &name) {
	auto id = spi.scalar("SELECT database_id::text FROM relml.databases WHERE name = $1", {name});
	if (!id) {
		throw NotFoundError("database \"" + name + "\" is not registered (see relml.register_database)");
	}
	return {std::stoi(*id), name};
}

SchemaGraph load_schema_graph(SpiConnection &spi, int database_id) {
	SqlParams id = {std::to_string(database_id)};
	SpiResult schema = spi.query("SELECT schema_name::text FROM relml.databases WHERE database_id = $1::int", id);
	if (schema.rows() == 0) {
		throw NotFoundError("database " + std::to_string(database_id) + " is not registered");
	}
	std::vector<Table> tables;
	std::map<std::string, size_t> index;
	SpiResult t = spi.query("SELECT table_name::text, coalesce(primary_key::text, ''), coalesce(time_column::text, '') "
	                        "FROM relml.tables WHERE database_id = $1::int ORDER BY table_name",
	                        id);
	for (size_t r = 0; r < t.rows(); ++r) {
		index[t.text(r, 0)] = tables.size();
		tables.push_back({t.text(r, 0), t.text(r, 1), t.text(r, 2), {}});
	}
	SpiResult c = spi.query("SELECT table_name::text, column_name::text, data_type, role FROM relml.columns "
	                        "WHERE database_id = $1::int ORDER BY table_name, ordinal",
	                        id);
	for (size_t r = 0; r < c.rows(); ++r) {
		tables[index.at(c.text(r, 0))].columns.push_back({c.text(r, 1), c.text(r, 2), parse_column_role(c.text(r, 3))});
	}
	std::vector<ForeignKey> fks;
	SpiResult f = spi.query("SELECT table_name::text, column_name::text, referenced_table::text FROM relml.foreign_keys "
	                        "WHERE database_id = $1::int ORDER BY table_name, column_name",
	                        id);
	for (size_t r = 0; r < f.rows(); ++r) {
		fks.push_back({f.text(r, 0), f.text(r, 1), f.text(r, 2)});
	}
	return SchemaGraph(schema.text(0, 0), std::move(tables), std::move(fks));
}

} // namespace relml::pg
