#include "common/huge_pages.hpp"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace relml {

namespace {

constexpr uintptr_t kHugePage = uintptr_t(2) << 20;
// Below this, rounding inward to whole huge pages leaves too little to matter.
constexpr size_t kSmallestAdvised = 4 * kHugePage;

} // namespace

void advise_huge_pages(const void *data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (data == nullptr || bytes < kSmallestAdvised) {
		return;
	}
	const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
	const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePage - 1);
	if (end > begin) {
		(void)madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
	}
#else
	(void)data;
	(void)bytes;
#endif
}

} // namespace relml
