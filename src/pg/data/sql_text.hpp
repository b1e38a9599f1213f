// Values through SPI as text: array literals of keys and float vectors, timestamps in ISO format and as the
// graph counts time, intervals in one canonical style. The text reads back the same whatever the session's
// DateStyle and IntervalStyle.
#pragma once

#include "pg/boundary/spi.hpp"

#include "graph/rel_graph.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// Values [begin, end) as the text of a text[], each element quoted: any text survives.
std::string text_array(const std::vector<std::string> &values, size_t begin, size_t end);
std::string text_array(const std::vector<std::string> &values);

// Rows [begin, end) of a row-major matrix as a text[] of real[] texts: each row is parsed once, by its own cast.
std::string vector_texts(const std::vector<float> &values, size_t width, size_t begin, size_t end);

// Rows per INSERT of vectors `width` wide: few statements, none of them huge.
size_t chunk_rows(size_t width);

// A timestamp as the graph counts time (microseconds since 1970).
EpochMicros epoch_micros(SpiConnection &spi, const std::string &timestamp);
// Same; NULL stays "no limit" (kUnknownTime).
EpochMicros epoch_micros(SpiConnection &spi, const std::optional<std::string> &timestamp);

// A timestamp column or expression as text in ISO format (2024-07-01 00:00:00, fractions of a second only when
// there are some), whatever the session's DateStyle: messages read the same everywhere, and the text reads
// back as the same timestamp under any DateStyle.
std::string iso(const std::string &expression);

// An interval's text in IntervalStyle postgres ("30 days", "1 mon"), whatever the session's.
std::string canonical_interval(SpiConnection &spi, const std::string &interval);

// A timestamp for a stored definition: ISO 8601 whatever the session's DateStyle.
nlohmann::json iso_json(SpiConnection &spi, const std::string &timestamp);

} // namespace relml::pg
