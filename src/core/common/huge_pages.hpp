// Large arrays on transparent huge pages. A graph load fills a gigabyte of fresh memory, and faulting it in
// 4 kB pages cost more than filling it: 2.7-3.5 s per GiB on this project's 2-core VM, 0.14-2.0 s on 2 MB pages
// (bench/huge_pages.sh, docs/benchmarks.md). Linux backs a range with huge pages only when asked
// (transparent_hugepage=madvise is the common default), so the graph's big arrays ask. Elsewhere a no-op.
#pragma once

#include "common/no_postgres.hpp"

#include <cstddef>
#include <vector>

namespace relml {

// Advises the kernel to back the whole 2 MB pages inside [data, data + bytes) with huge pages; ranges under a
// few megabytes, and kernels that refuse, are left as they are: this is advice, never an error.
void advise_huge_pages(const void *data, size_t bytes);

// `values` reserved for `count` elements, on huge pages where the capacity is large enough.
template <typename T>
void reserve_on_huge_pages(std::vector<T> &values, size_t count) {
	values.reserve(count);
	advise_huge_pages(values.data(), values.capacity() * sizeof(T));
}

} // namespace relml
