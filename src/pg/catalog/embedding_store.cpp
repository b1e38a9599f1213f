#include "pg/catalog/embedding_store.hpp"

#include "pg/boundary/owner_context.hpp"

#include "sql/sql_literals.hpp"

#include <algorithm>

namespace relml::pg {

void store_embeddings(SpiConnection &spi, const Embeddings &embeddings, bool replace_all, const RunHooks &hooks) {
	const std::string id = std::to_string(embeddings.encoder_id);
	AsExtensionOwner owner(spi);
	if (replace_all) {
		spi.execute("DELETE FROM relml.embeddings WHERE encoder_id = $1::int8 AND as_of = $2::timestamp",
		            {id, embeddings.as_of});
	}
	const size_t rows = embeddings.keys.size();
	const size_t step = chunk_rows(embeddings.width);
	for (size_t begin = 0; begin < rows; begin += step) {
		hooks.poll();
		size_t end = std::min(rows, begin + step);
		spi.execute("INSERT INTO relml.embeddings (encoder_id, entity_table, entity_key, as_of, vector) "
		            "SELECT $1::int8, $2, u.entity_key, $3::timestamp, u.vector::real[] "
		            "FROM unnest($4::text[], $5::text[]) AS u (entity_key, vector) "
		            "ON CONFLICT (encoder_id, entity_key, as_of) DO UPDATE SET vector = EXCLUDED.vector, "
		            "entity_table = EXCLUDED.entity_table",
		            {id, embeddings.entity_table, embeddings.as_of, text_array(embeddings.keys, begin, end),
		             vector_texts(embeddings.vectors, embeddings.width, begin, end)});
	}
}

} // namespace relml::pg
