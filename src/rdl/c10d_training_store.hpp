// TrainingStore on c10d's TCPStore: the coordinator's server or a worker's client, every key under the
// training's random prefix (c10d's PrefixStore).
#pragma once

#include "rdl/api/training_store.hpp"

#include <torch/torch.h>

#include <memory>
#include <string>

namespace c10d {
class Store;
}

namespace relml {

class C10dTrainingStore : public TrainingStore {
public:
	// The server when `is_server` (on a port the system picks when `port` is 0), else a client of host:port.
	C10dTrainingStore(const std::string &host, int port, bool is_server, const std::string &prefix,
	                  int timeout_seconds);
	~C10dTrainingStore() override;

	int port() const override;
	void set(const std::string &key, const std::string &value) override;
	std::optional<std::string> find(const std::string &key) override;
	std::string wait(const std::string &key) override;
	int64_t add(const std::string &key, int64_t amount) override;

	// The prefixed store, for ProcessGroupGloo's rendezvous.
	const c10::intrusive_ptr<c10d::Store> &store() const {
		return store_;
	}

private:
	c10::intrusive_ptr<c10d::Store> store_;
	int port_ = 0;
};

// The server of a new training; NotSupportedError when LibTorch was built without c10d's Gloo backend.
std::unique_ptr<TrainingStore> serve_training_store(const std::string &prefix, int timeout_seconds);
std::unique_ptr<TrainingStore> join_training_store(const std::string &host, int port, const std::string &prefix,
                                                   int timeout_seconds);

} // namespace relml
