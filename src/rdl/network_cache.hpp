// The stored networks a session predicts with, each rebuilt from its configuration and weights once: rebuilding
// reads megabytes of weights and initialises every module, where a prediction of one entity takes milliseconds.
#pragma once

#include "common/lru_cache.hpp"
#include "rdl/rdl_runtime.hpp"

namespace relml {

using NetworkCache = LruCache<StoredNetwork>;

} // namespace relml
