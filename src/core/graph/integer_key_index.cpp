#include "graph/integer_key_index.hpp"

#include "common/huge_pages.hpp"

#include <algorithm>

namespace relml {

namespace {

constexpr size_t kMinimumSlots = size_t(1) << 20;
// A hash map entry: the node with its key, row and cached hash, the allocator's header, the bucket pointer.
constexpr size_t kScatteredEntryBytes = 48;

} // namespace

void IntegerKeyIndex::reserve(size_t more) {
	expected_keys_ = std::max(expected_keys_, size() + more);
	if (!placed_) {
		window_slots_ = std::max(kMinimumSlots, kSlotsPerKey * expected_keys_);
	} else {
		reserve_window();
	}
}

void IntegerKeyIndex::reserve_window() {
	const size_t wanted = std::min(window_slots_, expected_keys_ + expected_keys_ / 8 + 1);
	if (wanted > window_.capacity()) {
		reserve_on_huge_pages(window_, wanted);
	}
}

size_t IntegerKeyIndex::memory_bytes() const {
	return window_.capacity() * sizeof(int32_t) + scattered_.size() * kScatteredEntryBytes;
}

int64_t IntegerKeyIndex::window_slot(int64_t key) const {
	if (!placed_ || key < start_) {
		return -1;
	}
	const uint64_t offset = uint64_t(key) - uint64_t(start_);
	return offset < window_slots_ ? int64_t(offset) : -1;
}

bool IntegerKeyIndex::insert(int64_t key, int32_t row) {
	if (!placed_) {
		start_ = key >= 0 && uint64_t(key) < window_slots_ / kSlotsPerKey ? 0 : key;
		placed_ = true;
		reserve_window();
	}
	const int64_t slot = window_slot(key);
	if (slot < 0) {
		return scattered_.emplace(key, row).second;
	}
	if (size_t(slot) >= window_.size()) {
		window_.resize(size_t(slot) + 1, -1);
	}
	if (window_[slot] >= 0) {
		return false;
	}
	window_[slot] = row;
	++window_keys_;
	return true;
}

int32_t IntegerKeyIndex::find(int64_t key) const {
	const int64_t slot = window_slot(key);
	if (slot >= 0) {
		return size_t(slot) < window_.size() ? window_[slot] : -1;
	}
	auto it = scattered_.find(key);
	return it == scattered_.end() ? -1 : it->second;
}

std::vector<std::pair<int64_t, int32_t>> IntegerKeyIndex::sorted_entries() const {
	std::vector<std::pair<int64_t, int32_t>> entries(scattered_.begin(), scattered_.end());
	entries.reserve(size());
	for (size_t slot = 0; slot < window_.size(); ++slot) {
		if (window_[slot] >= 0) {
			entries.emplace_back(start_ + int64_t(slot), window_[slot]);
		}
	}
	std::sort(entries.begin(), entries.end());
	return entries;
}

} // namespace relml
