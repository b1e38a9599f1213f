// Reading users' JSON options with errors that name the option, what it accepts and what it got. Shared by
// every model family's option parser, so all of them word their errors the same way.
#pragma once

#include "common/no_postgres.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace relml {

// "a, b, c"
std::string join(const std::vector<std::string> &items);
// The value as the user wrote it, shortened so a huge value cannot flood the message.
std::string shown(const nlohmann::json &value);
// Throws InvalidInputError: option "key" must be <expected>, got <value>.
[[noreturn]] void reject(const std::string &key, const std::string &expected, const nlohmann::json &value);

// Throws InvalidInputError: unknown option "key" of <owner>; accepted: <the list>, and the accepted key it most
// likely meant when one is a typo away.
[[noreturn]] void reject_unknown_key(const std::string &key, const std::vector<std::string> &accepted,
                                     const std::string &owner);
// Throws reject_unknown_key's error for the first key of `options` not in `accepted`.
void require_known_keys(const nlohmann::json &options, const std::vector<std::string> &accepted,
                        const std::string &owner);
// The accepted key within two edits of `key` (the closest), or "" when none is.
std::string likely_meant(const std::string &key, const std::vector<std::string> &accepted);

// An integral JSON number (6 or 6.0) in [lower, upper] into `out`; false otherwise.
bool integer_in(const nlohmann::json &value, double lower, double upper, double &out);
// "an integer in [lower, upper]"
std::string integer_range(long long lower, long long upper);

// Each reader returns `fallback` when the key is absent and rejects a value of the wrong type or range.
int read_int(const nlohmann::json &options, const std::string &key, long long lower, long long upper, int fallback);
// A number above lower (strictly when lower_exclusive) and at most upper (infinity: unbounded).
double read_number(const nlohmann::json &options, const std::string &key, double lower, bool lower_exclusive,
                   double upper, double fallback);
bool read_bool(const nlohmann::json &options, const std::string &key, bool fallback);
// One of `choices`, as a string.
std::string read_choice(const nlohmann::json &options, const std::string &key, const std::vector<std::string> &choices,
                        const std::string &fallback);

} // namespace relml
