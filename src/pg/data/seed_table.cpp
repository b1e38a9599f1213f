#include "pg/data/seed_table.hpp"

#include "task/task_sql.hpp"

namespace relml::pg {

namespace {

// Fails when seeds in the seed relation name entities that do not exist or times before any data.
void check_prediction_seeds(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph) {
	SpiResult unknown = spi.query(unknown_entities_sql(graph.schema(), task.entity_table, task.entity_key));
	if (unknown.integer(0, 0) > 0) {
		throw NotFoundError("entity " + unknown.text(0, 1) + " does not exist in table " + graph.schema() + "." +
		                    task.entity_table +
		                    (unknown.integer(0, 0) > 1 ? " (" + std::to_string(unknown.integer(0, 0)) + " unknown entities)"
		                                               : ""));
	}
	// The range is read only to name it in the error: a scan of every time column.
	std::optional<std::string> earliest_seed = spi.scalar(earliest_seed_sql());
	if (earliest_seed && *spi.scalar(data_at_or_before_sql(graph), {earliest_seed}) == "f") {
		SpiResult range = spi.query(database_time_range_sql(graph));
		if (!range.is_null(0, 0)) {
			throw InvalidInputError("as_of " + *earliest_seed + " is before any data of database \"" +
			                        task.database_name + "\" (its earliest time is " + range.text(0, 0) + ")");
		}
	}
}

// (Re)creates the seed relation and fills it; see load_seed_table.
void fill_seed_table(SpiConnection &spi, const std::string &select_sql, const SqlParams &params,
                     const std::optional<std::string> &input_cutoff, const std::string &key_type) {
	drop_seed_table(spi);
	spi.execute(create_seed_table_sql(key_type));
	SqlParams all = params;
	all.push_back(input_cutoff);
	spi.execute(fill_seed_table_sql(select_sql, key_type, static_cast<int>(all.size())), all);
	spi.execute(analyze_seed_table_sql());
}

} // namespace

std::vector<int64_t> load_seed_table(SpiConnection &spi, const std::string &select_sql, const SqlParams &params,
                                     const std::optional<std::string> &input_cutoff, const std::string &key_type) {
	fill_seed_table(spi, select_sql, params, input_cutoff, key_type);
	SpiResult ids = spi.query(seed_row_ids_sql());
	std::vector<int64_t> row_ids(ids.rows());
	for (size_t r = 0; r < ids.rows(); ++r) {
		row_ids[r] = ids.integer(r, 0);
	}
	return row_ids;
}

void drop_seed_table(SpiConnection &spi) {
	spi.drop_temp_table("relml_seeds");
}

SeedFrame load_prediction_seeds(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                                const std::string &seeds_sql, const SqlParams &params,
                                const std::optional<std::string> &user_seeds) {
	try {
		fill_seed_table(spi, seeds_sql, params, task.input_cutoff, task.entity_key_type);
	} catch (const PgError &e) {
		if (!user_seeds) {
			throw;
		}
		rethrow_user_query_error(e, *user_seeds);
	}
	if (user_seeds) {
		check_prediction_seeds(spi, task, graph);
	}
	SpiResult rows = spi.query(read_seeds_sql());
	SeedFrame frame;
	for (size_t r = 0; r < rows.rows(); ++r) {
		frame.row_ids.push_back(rows.integer(r, 0));
		frame.keys.push_back(rows.text(r, 1));
		frame.as_of.push_back(rows.text(r, 2));
		frame.times.push_back(rows.integer(r, 3));
	}
	return frame;
}

} // namespace relml::pg
