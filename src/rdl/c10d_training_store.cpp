#include "rdl/c10d_training_store.hpp"

#include "common/error.hpp"
#include "common/signal_mask.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

namespace relml {

namespace {

constexpr int kConnectSeconds = 10;

// c10d's failures (a refused connection, a timeout) as relml's kind: the other side is another process.
template <typename Fn>
auto store_call(const std::string &what, Fn &&fn) -> decltype(fn()) {
	try {
		return fn();
	} catch (const c10::Error &error) {
		throw WorkerError("data-parallel training could not " + what + ": " + error.what_without_backtrace());
	} catch (const std::exception &error) {
		throw WorkerError("data-parallel training could not " + what + ": " + error.what());
	}
}

std::vector<uint8_t> bytes_of(const std::string &text) {
	return std::vector<uint8_t>(text.begin(), text.end());
}

std::string text_of(const std::vector<uint8_t> &bytes) {
	return std::string(bytes.begin(), bytes.end());
}

} // namespace

C10dTrainingStore::C10dTrainingStore(const std::string &host, int port, bool is_server, const std::string &prefix,
                                     int timeout_seconds) {
	c10d::TCPStoreOptions options;
	options.port = uint16_t(port);
	options.isServer = is_server;
	options.waitWorkers = false;
	// The coordinator's server is up before any worker starts, so a worker that cannot connect at once finds it
	// gone (its training ended): it gives up soon, where a long wait would hold its snapshot and slot.
	options.timeout = std::chrono::seconds(is_server ? timeout_seconds : std::min(timeout_seconds, kConnectSeconds));
	store_call(is_server ? "start its store" : "reach the coordinator's store at " + host + ":" + std::to_string(port),
	           [&] {
		           // The server's thread must never take PostgreSQL's signals.
		           AllSignalsBlocked blocked;
		           auto tcp = c10::make_intrusive<c10d::TCPStore>(host, options);
		           port_ = tcp->getPort();
		           tcp->setTimeout(std::chrono::seconds(timeout_seconds));
		           store_ = c10::make_intrusive<c10d::PrefixStore>(prefix, tcp);
	           });
}

C10dTrainingStore::~C10dTrainingStore() = default;

int C10dTrainingStore::port() const {
	return port_;
}

void C10dTrainingStore::set(const std::string &key, const std::string &value) {
	store_call("write " + key, [&] { store_->set(key, bytes_of(value)); });
}

std::optional<std::string> C10dTrainingStore::find(const std::string &key) {
	return store_call("read " + key, [&]() -> std::optional<std::string> {
		if (!store_->check({key})) {
			return std::nullopt;
		}
		return text_of(store_->get(key));
	});
}

std::string C10dTrainingStore::wait(const std::string &key) {
	return store_call("read " + key, [&] { return text_of(store_->get(key)); });
}

int64_t C10dTrainingStore::add(const std::string &key, int64_t amount) {
	return store_call("count " + key, [&] { return store_->add(key, amount); });
}

std::unique_ptr<TrainingStore> serve_training_store(const std::string &prefix, int timeout_seconds) {
#ifdef RELML_WITH_GLOO
	return std::make_unique<C10dTrainingStore>("127.0.0.1", 0, true, prefix, timeout_seconds);
#else
	throw NotSupportedError("option \"workers\" needs LibTorch's c10d with the Gloo backend, which this build of "
	                        "relml_rdl.so lacks: train with workers 1");
#endif
}

std::unique_ptr<TrainingStore> join_training_store(const std::string &host, int port, const std::string &prefix,
                                                   int timeout_seconds) {
	return std::make_unique<C10dTrainingStore>(host, port, false, prefix, timeout_seconds);
}

} // namespace relml
