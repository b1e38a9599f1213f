// What a session keeps between calls, built once per key and dropped least recently used first: stored networks,
// deserialized trees, prepared query plans. A key must always name the same value.
#pragma once

#include "common/no_postgres.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace relml {

template <typename Value>
class LruCache {
public:
	explicit LruCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
	}

	// Whether `key` names a value held now.
	bool contains(const std::string &key) const {
		std::lock_guard<std::mutex> lock(mutex_);
		return std::any_of(entries_.begin(), entries_.end(), [&](const auto &entry) { return entry.first == key; });
	}

	// The value `key` names: the one held, or the one `load` builds, which is then held (the least recently used
	// one goes past `capacity`). A failed load (an error, a cancel) leaves the cache as it was.
	std::shared_ptr<Value> get(const std::string &key, const std::function<Value()> &load) {
		std::lock_guard<std::mutex> lock(mutex_);
		auto held = std::find_if(entries_.begin(), entries_.end(), [&](const auto &entry) { return entry.first == key; });
		if (held != entries_.end()) {
			entries_.splice(entries_.begin(), entries_, held);
			return entries_.front().second;
		}
		auto value = std::make_shared<Value>(load());
		entries_.emplace_front(key, value);
		if (entries_.size() > capacity_) {
			entries_.pop_back();
		}
		return value;
	}

	size_t size() const {
		std::lock_guard<std::mutex> lock(mutex_);
		return entries_.size();
	}

private:
	size_t capacity_;
	std::list<std::pair<std::string, std::shared_ptr<Value>>> entries_; // most recently used first
	mutable std::mutex mutex_;
};

} // namespace relml
