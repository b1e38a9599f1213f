// How much memory this process has used, for the metrics stored with models and encoders.
#pragma once

#include "common/no_postgres.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace relml {

// The process's peak resident memory so far (Linux VmHWM), in MB; nullopt where /proc does not say.
std::optional<double> peak_resident_megabytes();
// The same as stored in metrics: a number, or null.
nlohmann::json peak_resident_json();

} // namespace relml
