#include "rdl/rdl_runtime.hpp"

#include <gtest/gtest.h>

#include <dlfcn.h>

namespace relml {
namespace {

// OpenBLAS's pool would otherwise run every large product on every core of the server, whatever relml.threads says.
TEST(RdlRuntimeTest, UseThreadsSizesOpenBlasPool) {
	torch::mm(torch::ones({256, 256}), torch::ones({256, 256})); // LibTorch loaded and its BLAS started
	void *openblas = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD);
	if (!openblas) {
		GTEST_SKIP() << "LibTorch does not use OpenBLAS here";
	}
	auto get_threads = reinterpret_cast<int (*)()>(dlsym(openblas, "openblas_get_num_threads"));
	ASSERT_NE(get_threads, nullptr);
	const int before = get_threads();
	use_threads(1);
	EXPECT_EQ(get_threads(), 1);
	use_threads(before);
	EXPECT_EQ(get_threads(), before);
	dlclose(openblas);
}

} // namespace
} // namespace relml
