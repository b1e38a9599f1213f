#include "pg/catalog/pretrain_store.hpp"

#include "pg/boundary/owner_context.hpp"

#include "sql/sql_literals.hpp"

#include <algorithm>

namespace relml::pg {

namespace {

// Inserts rows [begin, end) into relml.task_vectors.
void store_task_vectors(SpiConnection &spi, int table_id, const PretrainRowsData &rows, size_t begin, size_t end) {
	std::string row_ids = "{", splits = "{", events = "{";
	for (size_t r = begin; r < end; ++r) {
		const char *sep = r > begin ? "," : "";
		row_ids += sep + std::to_string(r + 1);
		splits += sep + std::string(rows.val[r] ? "val" : "train");
		events += sep + std::string(rows.events[r] ? "t" : "f");
	}
	spi.execute("INSERT INTO relml.task_vectors (pretrain_table_id, row_id, split, seed_time, entity_key, is_event, "
	            "vector) SELECT $1::int, u.row_id, u.split, u.seed_time, u.entity_key, u.is_event, u.vector::real[] "
	            "FROM unnest($2::int8[], $3::text[], $4::timestamp[], $5::text[], $6::bool[], $7::text[]) "
	            "AS u (row_id, split, seed_time, entity_key, is_event, vector)",
	            {std::to_string(table_id), row_ids + "}", splits + "}", text_array(rows.times, begin, end),
	             text_array(rows.keys, begin, end), events + "}", vector_texts(rows.vectors, rows.width, begin, end)});
}

} // namespace

int store_pretrain_table(SpiConnection &spi, const NewPretrainTable &table, const PretrainRowsData &rows,
                         const RunHooks &hooks) {
	AsExtensionOwner owner(spi);
	int id = std::stoi(*spi.scalar(
	    "INSERT INTO relml.pretrain_tables (database_id, entity_table, entity_key_type, horizon, hops, pretrain_cutoff, "
	    "input_cutoff, definition, train_rows, val_rows, event_rows, owner) VALUES ($1::int, $2, $3, $4::interval, "
	    "$5::int, $6::timestamp, $7::timestamp, $8::jsonb, $9::int8, $10::int8, $11::int8, $12) "
	    "RETURNING pretrain_table_id::text",
	    {std::to_string(table.database_id), table.entity_table, table.entity_key_type, table.horizon,
	     std::to_string(table.hops), table.pretrain_cutoff, table.input_cutoff, table.definition.dump(),
	     std::to_string(rows.train_rows), std::to_string(rows.val_rows), std::to_string(rows.event_rows),
	     table.owner}));
	const size_t n = rows.keys.size();
	const size_t step = chunk_rows(rows.width);
	for (size_t begin = 0; begin < n; begin += step) {
		hooks.poll();
		store_task_vectors(spi, id, rows, begin, std::min(n, begin + step));
	}
	return id;
}

} // namespace relml::pg
