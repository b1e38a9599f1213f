// relml.load_graph: warms this backend's relational graph and reports its size and load speed.
#include "pg/catalog/database_catalog.hpp"
#include "pg/boundary/args.hpp"
#include "pg/data/graph_loader.hpp"
#include "pg/catalog/task_catalog.hpp"

using namespace relml;
using namespace relml::pg;

RELML_SQL_FUNCTION(relml_load_graph) {
	std::string database = text_arg(fcinfo, 0, "database");
	bool reload = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	GraphLoadStats stats;
	size_t edges = 0;
	{
		SpiConnection spi;
		std::optional<std::string> id =
		    spi.scalar("SELECT database_id::text FROM relml.databases WHERE name = $1", {database});
		if (!id) {
			throw NotFoundError("database \"" + database + "\" is not registered (see relml.databases)");
		}
		if (reload) {
			clear_graph_cache();
		}
		int database_id = std::stoi(*id);
		const LoadedGraph &loaded =
		    load_graph(spi, database_id, load_schema_graph(spi, database_id), RunHooks{check_interrupts, nullptr}, &stats);
		edges = loaded.graph.edge_count();
	}
	Datum values[6] = {BoolGetDatum(stats.reused),       Int64GetDatum(static_cast<int64_t>(stats.rows)),
	                   Int64GetDatum(static_cast<int64_t>(edges)), Float8GetDatum(stats.bytes / 1048576.0),
	                   Float8GetDatum(stats.seconds),    Float8GetDatum(stats.rows_per_second)};
	bool nulls[6] = {false, false, false, false, false, false};
	Datum result = 0;
	pg_call([&] {
		TupleDesc desc;
		if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
			elog(ERROR, "relml: function must return a composite type");
		}
		result = HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
	});
	return result;
}
