// How much memory this process has used, for the metrics stored with models and encoders.
#pragma once

#include "common/no_postgres.hpp"

#include <optional>

namespace relml {

// The process's peak resident memory so far (Linux VmHWM), in MB; nullopt where /proc does not say.
std::optional<double> peak_resident_megabytes();

} // namespace relml
