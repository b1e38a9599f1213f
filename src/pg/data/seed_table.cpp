#include "pg/data/seed_table.hpp"

#include "task/task_sql.hpp"

#include <algorithm>

namespace relml::pg {

namespace {

// NotFoundError naming an unknown entity (`unknown` of them in all).
[[noreturn]] void throw_unknown_entity(const TaskInfo &task, const SchemaGraph &graph, const std::string &key,
                                       int64_t unknown) {
	throw NotFoundError("entity " + key + " does not exist in table " + graph.schema() + "." + task.entity_table +
	                    (unknown > 1 ? " (" + std::to_string(unknown) + " unknown entities)" : ""));
}

// Fails when `earliest_seed` comes before any data of the task's database.
void check_not_before_data(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                           const std::optional<std::string> &earliest_seed) {
	// The range is read only to name it in the error: a scan of every time column.
	if (earliest_seed && spi.query_kept(data_at_or_before_sql(graph), {earliest_seed}).text(0, 0) == "f") {
		SpiResult range = spi.query(database_time_range_sql(graph));
		if (!range.is_null(0, 0)) {
			throw InvalidInputError("as_of " + *earliest_seed + " is before any data of database \"" +
			                        task.database_name + "\" (its earliest time is " + range.text(0, 0) + ")");
		}
	}
}

// Fails when seeds in the seed relation name entities that do not exist or times before any data.
void check_prediction_seeds(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph) {
	SpiResult unknown = spi.query(unknown_entities_sql(graph.schema(), task.entity_table, task.entity_key));
	if (unknown.integer(0, 0) > 0) {
		throw_unknown_entity(task, graph, unknown.text(0, 1), unknown.integer(0, 0));
	}
	check_not_before_data(spi, task, graph, spi.scalar(earliest_seed_sql()));
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

SeedRelation seed_table_relation() {
	return {kSeedTable, {}};
}

SeedRelation SeedFrame::relation() const {
	if (in_seed_table) {
		return seed_table_relation();
	}
	return {single_seed_relation_sql(key_type),
	        {std::to_string(row_ids.at(0)), keys.at(0), as_of.at(0), obs_time.at(0)},
	        true};
}

void drop_seed_table(SpiConnection &spi) {
	spi.drop_temp_table("relml_seeds");
}

SeedCopies add_seed_copies(SpiConnection &spi, const TaskRows &rows, const std::vector<size_t> &sources,
                           const std::vector<EpochMicros> &obs_times, const SeedCopies &before) {
	SeedCopies copies;
	if (sources.empty()) {
		return copies;
	}
	const int64_t first_id =
	    *std::max_element(rows.row_ids.begin(), rows.row_ids.end()) + 1 + int64_t(before.row_ids.size());
	std::vector<int64_t> source_ids;
	for (size_t i = 0; i < sources.size(); ++i) {
		copies.row_ids.push_back(first_id + int64_t(i));
		copies.sources.push_back(sources[i]);
		source_ids.push_back(rows.row_ids[sources[i]]);
	}
	spi.execute(add_seed_copies_sql(),
	            {int8_array_param(copies.row_ids), int8_array_param(source_ids), int8_array_param(obs_times)});
	return copies;
}

SeedCopies add_late_val_seeds(SpiConnection &spi, const TaskRows &rows, const SeedCopies &before) {
	if (rows.late_val_times.empty()) {
		return {};
	}
	return add_seed_copies(spi, rows, rows.val, rows.late_val_times, before);
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
	frame.key_type = task.entity_key_type;
	frame.in_seed_table = true;
	for (size_t r = 0; r < rows.rows(); ++r) {
		frame.row_ids.push_back(rows.integer(r, 0));
		frame.keys.push_back(rows.text(r, 1));
		frame.as_of.push_back(rows.text(r, 2));
		frame.times.push_back(rows.integer(r, 3));
		frame.obs_time.push_back(rows.text(r, 4));
		frame.obs_times.push_back(rows.integer(r, 5));
	}
	return frame;
}

SeedFrame single_prediction_seed(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                                 const std::string &entity_key, const std::string &as_of, const std::string &what) {
	SpiResult seed;
	try {
		seed = spi.query_kept(single_seed_sql(task.entity_key_type), {entity_key, as_of, task.input_cutoff});
	} catch (const PgError &e) {
		rethrow_user_query_error(e, what);
	}
	SeedFrame frame;
	frame.key_type = task.entity_key_type;
	frame.row_ids = {1};
	frame.keys = {seed.text(0, 0)};
	frame.as_of = {seed.text(0, 1)};
	frame.times = {seed.integer(0, 2)};
	frame.obs_time = {seed.text(0, 3)};
	if (spi.query_kept(entity_exists_sql(graph.schema(), task.entity_table, task.entity_key, task.entity_key_type),
	                   {frame.keys[0]})
	        .text(0, 0) != "t") {
		throw_unknown_entity(task, graph, frame.keys[0], 1);
	}
	check_not_before_data(spi, task, graph, frame.as_of[0]);
	return frame;
}

} // namespace relml::pg
