// relml.load_graph: warms this backend's relational graph and reports its size, its load speed and the rows it
// took in when only appends changed the data.
#include "pg/boundary/args.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/data/graph_loader.hpp"

namespace relml::pg {

// Loads (or reuses) the graph of a registered database; `reload` drops this backend's copy first.
RELML_SQL_FUNCTION(relml_load_graph) {
	std::string database = text_arg(fcinfo, 0, "database");
	bool reload = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	GraphLoadStats stats;
	size_t edges = 0;
	{
		SpiConnection spi;
		const Database db = find_database(spi, database, "see relml.databases");
		if (reload) {
			clear_graph_cache();
		}
		const LoadedGraph &loaded =
		    load_graph(spi, db.id, load_schema_graph(spi, db.id), RunHooks{check_interrupts, nullptr}, &stats);
		edges = loaded.graph.edge_count();
	}
	return composite_datum(fcinfo,
	                       {BoolGetDatum(stats.reused), Int64GetDatum(static_cast<int64_t>(stats.rows)),
	                        Int64GetDatum(static_cast<int64_t>(edges)), Float8GetDatum(stats.bytes / 1048576.0),
	                        Float8GetDatum(stats.seconds), Float8GetDatum(stats.rows_per_second),
	                        Int64GetDatum(static_cast<int64_t>(stats.appended))},
	                       std::vector<bool>(7, false));
}

} // namespace relml::pg
