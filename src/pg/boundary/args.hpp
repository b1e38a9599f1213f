// Arguments and results of SQL-callable functions, converted at the boundary into C++ values.
#pragma once

#include "pg/boundary/error_bridge.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// Argument `index` in its type's text form; nullopt for NULL.
std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int index);
// Same, but NULL is an error naming the argument.
std::string text_arg(FunctionCallInfo fcinfo, int index, const char *name);
// A jsonb argument (NULL reads as an empty object).
nlohmann::json jsonb_arg(FunctionCallInfo fcinfo, int index, const char *name);
int64_t int_arg(FunctionCallInfo fcinfo, int index, const char *name);
// A text[] argument's elements (NULL elements as nullopt); the argument itself must not be NULL.
std::vector<std::optional<std::string>> text_array_arg(FunctionCallInfo fcinfo, int index);

Datum jsonb_datum(const nlohmann::json &value);
// The composite result row of a function declared with OUT parameters, from its column values.
Datum composite_datum(FunctionCallInfo fcinfo, std::vector<Datum> values, std::vector<bool> nulls);
Datum text_datum(const std::string &value);
// A text[] of `values`.
Datum text_array_datum(const std::vector<std::string> &values);
// A timestamp from its text.
Datum timestamp_datum(const std::string &value);

// The rows of a set-returning function (materialize mode), added one by one.
class SetResult {
public:
	// `scalar`: the function returns SETOF one column (or TABLE of one), whose row shape only the caller knows.
	explicit SetResult(FunctionCallInfo fcinfo, bool scalar = false);
	// One row; `nulls` empty means none is NULL.
	void add(std::vector<Datum> values, const std::vector<bool> &nulls = {});

private:
	ReturnSetInfo *info_;
};

} // namespace relml::pg
