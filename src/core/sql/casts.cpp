#include "sql/casts.hpp"

namespace relml {

std::string float8_expression(const std::string &expression, bool boolean) {
	return expression + (boolean ? "::int::float8" : "::float8");
}

} // namespace relml
