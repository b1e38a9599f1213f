// Casts that SQL built anywhere in relml applies the same way.
#pragma once

#include "common/no_postgres.hpp"

#include <string>

namespace relml {

// `expression` as float8. PostgreSQL casts boolean to int but not to float8, so a boolean goes through int.
std::string float8_expression(const std::string &expression, bool boolean);

} // namespace relml
