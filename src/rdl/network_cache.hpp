// The stored networks a session predicts with, each rebuilt from its configuration and weights once: rebuilding
// reads megabytes of weights and initialises every module, where a prediction of one entity takes milliseconds.
#pragma once

#include "common/no_postgres.hpp"
#include "rdl/rdl_runtime.hpp"

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace relml {

class NetworkCache {
public:
	explicit NetworkCache(size_t capacity);

	// Whether `key` names a network held now.
	bool contains(const std::string &key) const;
	// The network `key` names: the one held, or the one `load` rebuilds, which is then held (the least recently
	// used one goes past `capacity`). A key must always name the same configuration and weights.
	std::shared_ptr<StoredNetwork> get(const std::string &key, const std::function<StoredNetwork()> &load);
	size_t size() const;

private:
	size_t capacity_;
	std::list<std::pair<std::string, std::shared_ptr<StoredNetwork>>> entries_; // most recently used first
	mutable std::mutex mutex_;
};

} // namespace relml
