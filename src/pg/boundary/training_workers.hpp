// The background workers of a data-parallel RDL training. The coordinator (the session running relml.train,
// or a train_async job's worker) starts them; each connects to the coordinator's database as the coordinator's
// role, imports its exported snapshot, so that every worker reads exactly the data the others read, and runs
// relml._training_worker(), which finds the training's request in the coordinator's store (c10d's TCPStore).
#pragma once

#include "pg/boundary/pg_headers.hpp"

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
PGDLLEXPORT void relml_training_worker_main(Datum main_arg);
}

namespace relml::pg {

// What a training worker is told at start, in its bgw_extra.
struct TrainingWorkerTicket {
	Oid database;
	Oid role;
	int32 rank;
	int32 workers;
	int32 port;        // the coordinator's store
	char prefix[33];   // the store's key prefix: 32 hex digits
	char snapshot[64]; // the coordinator's exported snapshot
};

// The workers one coordinator started; the ones still running are terminated when it goes (its training
// ended, failed or was canceled).
class TrainingWorkers {
public:
	// Starts one worker per rank of `ticket.workers`, connecting as `ticket.role` to `ticket.database`;
	// ResourceError naming max_worker_processes when PostgreSQL has no slot for all of them.
	explicit TrainingWorkers(const TrainingWorkerTicket &ticket);
	~TrainingWorkers();
	TrainingWorkers(const TrainingWorkers &) = delete;
	TrainingWorkers &operator=(const TrainingWorkers &) = delete;

	// Whether the worker of `rank` has exited (or never started).
	bool stopped(int rank) const;
	// Waits until a worker starts or stops, or `milliseconds` pass; cancellation is the caller's poll.
	static void wait(long milliseconds);

private:
	// Asks every worker started to stop (terminating one that has exited is a no-op).
	void terminate_all();

	std::vector<BackgroundWorkerHandle *> handles_;
};

// This process's ticket when it is a training worker, else nullptr.
const TrainingWorkerTicket *training_worker_ticket();

// A random key prefix (32 hex digits) from PostgreSQL's strong random source.
std::string random_store_prefix();

} // namespace relml::pg
