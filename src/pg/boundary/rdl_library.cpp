#include "pg/boundary/rdl_library.hpp"

#include "pg/boundary/pg_headers.hpp"

#include "common/error.hpp"
#include "common/signal_mask.hpp"

#include <dlfcn.h>
#include <string>

namespace relml::pg {

namespace {

const RdlApi *loaded_api = nullptr;

} // namespace

const RdlApi &rdl_api() {
	if (loaded_api) {
		return *loaded_api;
	}
	std::string path = std::string(pkglib_path) + "/relml_rdl.so";
	void *handle = nullptr;
	{
		AllSignalsBlocked blocked;
		handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
	}
	if (!handle) {
		const char *reason = dlerror();
		throw NotSupportedError("method rdl is not available: cannot load " + path + " (" +
		                        (reason ? reason : "unknown error") + "); reinstall relml with its LibTorch module");
	}
	auto entry = reinterpret_cast<const RdlApi *(*)()>(dlsym(handle, "relml_rdl_api"));
	const RdlApi *api = entry ? entry() : nullptr;
	if (!api || api->version != kRdlApiVersion) {
		throw NotSupportedError("method rdl is not available: " + path + " is from another relml build (expected " +
		                        "interface version " + std::to_string(kRdlApiVersion) + "); reinstall relml");
	}
	loaded_api = api;
	return *api;
}

} // namespace relml::pg
