#include "rdl/network_cache.hpp"

#include <algorithm>

namespace relml {

NetworkCache::NetworkCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
}

bool NetworkCache::contains(const std::string &key) const {
	std::lock_guard<std::mutex> lock(mutex_);
	return std::any_of(entries_.begin(), entries_.end(), [&](const auto &entry) { return entry.first == key; });
}

// A failed load (bad weights, a cancel) leaves the cache as it was.
std::shared_ptr<StoredNetwork> NetworkCache::get(const std::string &key, const std::function<StoredNetwork()> &load) {
	std::lock_guard<std::mutex> lock(mutex_);
	auto held = std::find_if(entries_.begin(), entries_.end(), [&](const auto &entry) { return entry.first == key; });
	if (held != entries_.end()) {
		entries_.splice(entries_.begin(), entries_, held);
		return entries_.front().second;
	}
	auto network = std::make_shared<StoredNetwork>(load());
	entries_.emplace_front(key, network);
	if (entries_.size() > capacity_) {
		entries_.pop_back();
	}
	return network;
}

size_t NetworkCache::size() const {
	std::lock_guard<std::mutex> lock(mutex_);
	return entries_.size();
}

} // namespace relml
