// Integer primary key -> graph row. Most integer keys are serials, so the keys of a window that starts at the
// first key (or at 0 when it is small) live in a plain array: 4 bytes a key and one memory access a lookup, on
// huge pages. A hash map holds the keys outside the window: negative, scattered or far-off keys.
#pragma once

#include "common/no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace relml {

class IntegerKeyIndex {
public:
	// Window slots per expected key: room for the gaps of deleted or rolled-back serials.
	static constexpr size_t kSlotsPerKey = 2;
	// What the window costs per expected key, against about 48 bytes in a hash map.
	static constexpr size_t kBytesPerKey = kSlotsPerKey * sizeof(int32_t);

	// Expects about `more` keys beyond those held: the first insert sizes the window for them (so an index that
	// never gets a key allocates nothing), later calls make room in it.
	void reserve(size_t more);
	// Maps `key` to `row`; false, changing nothing, when the index holds the key already.
	bool insert(int64_t key, int32_t row);
	// The row of `key`, or -1.
	int32_t find(int64_t key) const;
	bool contains(int64_t key) const {
		return find(key) >= 0;
	}
	size_t size() const {
		return window_keys_ + scattered_.size();
	}
	// What the index holds in memory: the window's capacity and the hash map's entries.
	size_t memory_bytes() const;
	// Every (key, row), ordered by key.
	std::vector<std::pair<int64_t, int32_t>> sorted_entries() const;

private:
	// Slot of `key` in the window, or -1 when the key falls outside it.
	int64_t window_slot(int64_t key) const;
	// The window's capacity for the expected keys, on huge pages.
	void reserve_window();

	bool placed_ = false;  // the window's start is fixed by the first insert
	int64_t start_ = 0;
	size_t window_slots_ = size_t(1) << 20;
	size_t expected_keys_ = 0;
	std::vector<int32_t> window_; // row of key start_ + i, or -1; grows up to window_slots_
	size_t window_keys_ = 0;
	std::unordered_map<int64_t, int32_t> scattered_;
};

} // namespace relml
