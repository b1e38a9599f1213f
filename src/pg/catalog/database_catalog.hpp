// Registered databases in relml.databases, tables, columns and foreign_keys: finding one, reading its schema
// graph.
#pragma once

#include "pg/boundary/spi.hpp"

#include "schema/schema_graph.hpp"

#include <string>

namespace relml::pg {

struct Database {
	int id = 0;
	std::string name;
};

// The registered database `name`; NotFoundError pointing to relml.register_database otherwise.
Database find_database(SpiConnection &spi, const std::string &name);

// The registered schema graph of database `database_id`, as relml.register_database stored it.
SchemaGraph load_schema_graph(SpiConnection &spi, int database_id);

} // namespace relml::pg
