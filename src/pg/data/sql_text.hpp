// Values through SPI as text, where the server must do the reading: timestamps as the graph counts time,
// intervals in one canonical style, timestamps for stored definitions. The text reads back the same whatever
// the session's DateStyle and IntervalStyle. The pure literals (arrays, ISO expressions) are in
// core/sql/sql_literals.
#pragma once

#include "pg/boundary/spi.hpp"

#include "graph/rel_graph.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace relml::pg {

// A timestamp as the graph counts time (microseconds since 1970).
EpochMicros epoch_micros(SpiConnection &spi, const std::string &timestamp);
// Same; NULL stays "no limit" (kUnknownTime).
EpochMicros epoch_micros(SpiConnection &spi, const std::optional<std::string> &timestamp);

// An interval's text in IntervalStyle postgres ("30 days", "1 mon"), whatever the session's.
std::string canonical_interval(SpiConnection &spi, const std::string &interval);

// A timestamp for a stored definition: ISO 8601 whatever the session's DateStyle.
nlohmann::json iso_json(SpiConnection &spi, const std::string &timestamp);

} // namespace relml::pg
