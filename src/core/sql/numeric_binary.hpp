// PostgreSQL's numeric values in their stored form, read without the server: PostgreSQL 15 converts numeric to
// float8 by printing the number and parsing the text, which made numeric columns the slowest part of a graph
// load. The stored form (src/backend/utils/adt/numeric.c, unchanged since PostgreSQL 14 added infinities) is a
// 16-bit header, for the long form a 16-bit weight, then base-10,000 digits, most significant first.
#pragma once

#include "common/no_postgres.hpp"

#include <cstddef>
#include <optional>

namespace relml {

// The float8 that PostgreSQL's numeric -> float8 cast gives for the numeric whose varlena payload (the bytes after
// the length header) is `payload`, when one IEEE operation on exact operands yields it, which is also then the
// correctly rounded value, as strtod's is: up to 15 significant decimal digits within 22 powers of ten of the
// point, which covers money, measurements and counts. NaN and the infinities map to themselves. Anything else
// (more digits, extreme exponents, a payload this does not recognise) is std::nullopt: ask PostgreSQL.
std::optional<double> numeric_payload_to_double(const unsigned char *payload, size_t length);

} // namespace relml
