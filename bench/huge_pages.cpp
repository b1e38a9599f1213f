// Time to fill fresh memory on 4 kB pages against 2 MB transparent huge pages (madvise(MADV_HUGEPAGE) before the
// first touch, what relml's graph arrays ask for): one vector of 1 GiB of int64, reserved and then filled, three
// times each way. The kernel's side of a page fault is what differs.
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

constexpr size_t kValues = size_t(128) << 20; // 1 GiB of int64
constexpr uintptr_t kHugePage = uintptr_t(2) << 20;

double fill_seconds(bool huge_pages) {
	const auto start = std::chrono::steady_clock::now();
	std::vector<int64_t> values;
	values.reserve(kValues);
	if (huge_pages) {
		const uintptr_t begin = (reinterpret_cast<uintptr_t>(values.data()) + kHugePage - 1) & ~(kHugePage - 1);
		const uintptr_t end = (reinterpret_cast<uintptr_t>(values.data()) + kValues * sizeof(int64_t)) & ~(kHugePage - 1);
		if (madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE) != 0) {
			std::perror("madvise");
		}
	}
	for (size_t i = 0; i < kValues; ++i) {
		values.push_back(int64_t(i));
	}
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main() {
	for (bool huge_pages : {false, true}) {
		for (int run = 0; run < 3; ++run) {
			std::printf("%s pages, run %d: %.3f s per GiB\n", huge_pages ? "2 MB" : "4 kB", run + 1,
			            fill_seconds(huge_pages));
		}
	}
	return 0;
}
