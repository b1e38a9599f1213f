// relml_rdl.so, the LibTorch half of the extension, opened on first use with every signal blocked.
#pragma once

#include "rdl/api/rdl_api.hpp"

namespace relml::pg {

// The library's function table; loads it on the first call. Fails with a clear error when the library is
// missing or from another build.
const RdlApi &rdl_api();

} // namespace relml::pg
