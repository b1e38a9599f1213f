// Values spliced into SQL parameters as text: array literals of keys and float vectors, and the expression
// that prints a timestamp in ISO format. The text reads back the same whatever the session's settings.
#pragma once

#include "common/no_postgres.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace relml {

// Values [begin, end) as the text of a text[], each element quoted: any text survives.
std::string text_array(const std::vector<std::string> &values, size_t begin, size_t end);
std::string text_array(const std::vector<std::string> &values);

// Rows [begin, end) of a row-major matrix as a text[] of real[] texts: each row is parsed once, by its own cast.
std::string vector_texts(const std::vector<float> &values, size_t width, size_t begin, size_t end);

// Rows per INSERT of vectors `width` wide: few statements, none of them huge.
size_t chunk_rows(size_t width);

// A timestamp column or expression as text in ISO format (2024-07-01 00:00:00, fractions of a second only when
// there are some), whatever the session's DateStyle: messages read the same everywhere, and the text reads
// back as the same timestamp under any DateStyle.
std::string iso(const std::string &expression);

// One text: $1 (a timestamp as the user wrote it) in that ISO format.
std::string iso_timestamp_sql();

} // namespace relml
