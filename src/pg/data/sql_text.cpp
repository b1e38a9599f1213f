#include "pg/data/sql_text.hpp"

namespace relml::pg {

EpochMicros epoch_micros(SpiConnection &spi, const std::string &timestamp) {
	SpiResult r = spi.query("SELECT (extract(epoch FROM $1::timestamp) * 1000000)::int8", {timestamp});
	return r.integer(0, 0);
}

EpochMicros epoch_micros(SpiConnection &spi, const std::optional<std::string> &timestamp) {
	return timestamp ? epoch_micros(spi, *timestamp) : kUnknownTime;
}

std::string canonical_interval(SpiConnection &spi, const std::string &interval) {
	int level = 0;
	pg_call([&] {
		level = NewGUCNestLevel();
		set_config_option("intervalstyle", "postgres", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	});
	std::optional<std::string> text = spi.scalar("SELECT $1::interval::text", {interval});
	pg_call([&] { AtEOXact_GUC(true, level); });
	return *text;
}

nlohmann::json iso_json(SpiConnection &spi, const std::string &timestamp) {
	return nlohmann::json::parse(*spi.scalar("SELECT to_jsonb($1::timestamp)::text", {timestamp}));
}

} // namespace relml::pg
