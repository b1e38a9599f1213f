#include "pg/catalog/encoder_store.hpp"

#include "pg/boundary/owner_context.hpp"

#include "sql/sql_literals.hpp"

namespace relml::pg {

int64_t store_encoder(SpiConnection &spi, const NewEncoder &encoder, const std::string &owner) {
	AsExtensionOwner as_owner(spi);
	return std::stoll(*spi.scalar(
	    "INSERT INTO relml.encoders (database_id, entity_table, method, pretrain_table_id, options, config, weights, "
	    "metrics, timings, owner) VALUES ($1::int, $2, $3, $4::int, $5::jsonb, $6::jsonb, $7::bytea, $8::jsonb, "
	    "$9::jsonb, $10) RETURNING encoder_id::text",
	    {std::to_string(encoder.database_id), encoder.entity_table, encoder.method,
	     std::to_string(encoder.pretrain_table_id), encoder.options.dump(), encoder.config.dump(),
	     to_hex_bytea(encoder.weights.data(), encoder.weights.size()), encoder.metrics.dump(), encoder.timings.dump(),
	     owner}));
}

StoredEncoder load_encoder(SpiConnection &spi, int64_t encoder_id, const std::optional<std::string> &use) {
	SpiResult r = spi.query(
	    "SELECT e.encoder_id, e.database_id, e.entity_table::text, e.method, e.pretrain_table_id, e.owner::text, "
	    "e.options::text, e.config::text, e.weights, " + iso("p.input_cutoff") + ", " + iso("p.pretrain_cutoff") + " "
	    "FROM relml.encoders e JOIN relml.pretrain_tables p USING (pretrain_table_id) WHERE e.encoder_id = $1::int8",
	    {std::to_string(encoder_id)});
	if (r.rows() == 0) {
		throw NotFoundError("encoder " + std::to_string(encoder_id) + " does not exist");
	}
	StoredEncoder encoder;
	encoder.encoder_id = r.integer(0, 0);
	encoder.database_id = static_cast<int>(r.integer(0, 1));
	encoder.entity_table = r.text(0, 2);
	encoder.method = r.text(0, 3);
	encoder.pretrain_table_id = static_cast<int>(r.integer(0, 4));
	encoder.owner = r.text(0, 5);
	if (use) {
		require_member_of(spi, encoder.owner, *use);
	}
	encoder.options = nlohmann::json::parse(r.text(0, 6));
	encoder.config = nlohmann::json::parse(r.text(0, 7));
	encoder.weights = r.bytes(0, 8);
	if (!r.is_null(0, 9)) {
		encoder.input_cutoff = r.text(0, 9);
	}
	encoder.pretrain_cutoff = r.text(0, 10);
	return encoder;
}

void delete_encoder(SpiConnection &spi, const StoredEncoder &encoder) {
	AsExtensionOwner owner(spi);
	spi.execute("DELETE FROM relml.encoders WHERE encoder_id = $1::int8", {std::to_string(encoder.encoder_id)});
	spi.execute("DELETE FROM relml.pretrain_tables p WHERE p.pretrain_table_id = $1::int AND NOT EXISTS "
	            "(SELECT 1 FROM relml.encoders e WHERE e.pretrain_table_id = p.pretrain_table_id)",
	            {std::to_string(encoder.pretrain_table_id)});
}

} // namespace relml::pg
