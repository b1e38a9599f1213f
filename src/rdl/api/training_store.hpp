// What the processes of one data-parallel RDL training share. The coordinator (the session running
// relml.train) serves a key-value store, c10d's TCPStore behind this interface in relml_rdl.so; its workers
// find their request in it, rendezvous through it (ProcessGroupGloo) and leave their result or error in it.
#pragma once

#include "common/no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace relml {

// Every key lives under a random prefix that the coordinator hands its workers out of band, so that another
// client of the port can neither read a request nor forge a result.
class TrainingStore {
public:
	virtual ~TrainingStore() = default;
	// The TCP port the store listens on (the coordinator's) or is connected to (a worker's).
	virtual int port() const = 0;
	virtual void set(const std::string &key, const std::string &value) = 0;
	// The value of `key`, or nullopt while nobody has set it; never waits.
	virtual std::optional<std::string> find(const std::string &key) = 0;
	// The value of `key`, waiting up to the store's timeout for someone to set it.
	virtual std::string wait(const std::string &key) = 0;
	// Adds `amount` to the counter `key` (created at 0) and returns its new value.
	virtual int64_t add(const std::string &key, int64_t amount) = 0;
};

// Where one worker of a data-parallel training stands: its rank among `workers` and the store they share.
// workers 1 (the default): training alone, without a store.
struct DataParallelRank {
	TrainingStore *store = nullptr;
	std::string address = "127.0.0.1"; // the interface this worker's Gloo connections use
	int rank = 0;
	int workers = 1;
	int timeout_seconds = 600; // how long a collective waits for the slowest worker
};

} // namespace relml
