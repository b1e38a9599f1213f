// Registered databases in relml.databases, tables, columns and foreign_keys: finding one, reading its schema
// graph, storing a registration.
#pragma once

#include "pg/boundary/spi.hpp"

#include "schema/schema_graph.hpp"
#include "schema/schema_registration.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace relml::pg {

struct Database {
	int id = 0;
	std::string name;
};

// The registered database `name`; NotFoundError with `hint` (where to look) otherwise.
Database find_database(SpiConnection &spi, const std::string &name,
                       const std::string &hint = "see relml.register_database");

// The registered schema graph of database `database_id`, as relml.register_database stored it.
SchemaGraph load_schema_graph(SpiConnection &spi, int database_id);

// Stores `registration` as database `name` with the `options` it was made with; returns whether it replaced an
// earlier registration of that name, which only the role that made it and its members may do (PermissionError
// otherwise). The tables, columns and foreign keys of the earlier one go; the database keeps its id. The writes
// run as the extension owner.
bool store_registration(SpiConnection &spi, const std::string &name, const nlohmann::json &options,
                        const Registration &registration);

} // namespace relml::pg
