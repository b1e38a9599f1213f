#include "pg/boundary/training_workers.hpp"

#include "pg/boundary/background_worker.hpp"
#include "pg/boundary/error_bridge.hpp"

extern "C" {
#include "storage/latch.h"
#include "utils/wait_event.h"
}

#include <cctype>
#include <cstring>
#include <exception>

namespace relml::pg {

namespace {

constexpr const char *kTrainingWorkerType = "relml training worker";

static_assert(sizeof(TrainingWorkerTicket) <= BGW_EXTRALEN, "a training worker's ticket fits in bgw_extra");

// The ticket of this process, read once at start.
TrainingWorkerTicket this_ticket;
bool is_training_worker = false;

} // namespace

TrainingWorkers::TrainingWorkers(const TrainingWorkerTicket &ticket) {
	for (int rank = 0; rank < ticket.workers; ++rank) {
		BackgroundWorker worker = relml_worker_registration(
		    "relml_training_worker_main",
		    "relml training worker " + std::to_string(rank + 1) + " of " + std::to_string(ticket.workers) +
		        " for pid " + std::to_string(MyProcPid),
		    kTrainingWorkerType);
		TrainingWorkerTicket own = ticket;
		own.rank = rank;
		memcpy(worker.bgw_extra, &own, sizeof(own));
		worker.bgw_notify_pid = MyProcPid; // our latch is set when it starts or stops
		BackgroundWorkerHandle *handle = nullptr;
		bool registered = false;
		try {
			pg_call([&] { registered = RegisterDynamicBackgroundWorker(&worker, &handle); });
		} catch (...) {
			terminate_all();
			throw;
		}
		if (!registered) {
			terminate_all(); // the destructor of a half-built object does not run
			throw ResourceError("no background worker slot is free for data-parallel training worker " +
			                    std::to_string(rank + 1) + " of " + std::to_string(ticket.workers) +
			                    ": raise max_worker_processes (and restart the server), or train with fewer "
			                    "workers");
		}
		handles_.push_back(handle);
	}
}

TrainingWorkers::~TrainingWorkers() {
	terminate_all();
}

void TrainingWorkers::terminate_all() {
	for (BackgroundWorkerHandle *handle : handles_) {
		try {
			pg_call([&] { TerminateBackgroundWorker(handle); });
		} catch (...) {
			// The postmaster stops every worker when it can no longer be reached.
		}
	}
}

bool TrainingWorkers::stopped(int rank) const {
	pid_t pid = 0;
	BgwHandleStatus status = BGWH_STOPPED;
	pg_call([&] { status = GetBackgroundWorkerPid(handles_.at(size_t(rank)), &pid); });
	return status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED;
}

void TrainingWorkers::wait(long milliseconds) {
	pg_call([&] {
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, milliseconds, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	});
}

const TrainingWorkerTicket *training_worker_ticket() {
	return is_training_worker ? &this_ticket : nullptr;
}

std::string random_store_prefix() {
	uint8_t bytes[16];
	bool ok = false;
	pg_call([&] { ok = pg_strong_random(bytes, sizeof(bytes)); });
	if (!ok) {
		throw InternalError("could not generate a random key prefix for the training store");
	}
	static const char kHex[] = "0123456789abcdef";
	std::string prefix;
	for (uint8_t byte : bytes) {
		prefix += kHex[byte >> 4];
		prefix += kHex[byte & 15];
	}
	return prefix;
}

} // namespace relml::pg

// C-style on purpose, like the job worker's main: it runs a PostgreSQL transaction whose errors longjmp. The
// transaction reads under the coordinator's snapshot (REPEATABLE READ, imported) and calls
// relml._training_worker(), which does the C++ work behind the usual entry wrapper.
void relml_training_worker_main(Datum) {
	using relml::pg::this_ticket;
	memcpy(&this_ticket, MyBgworkerEntry->bgw_extra, sizeof(this_ticket));
	relml::pg::is_training_worker = true;
	std::set_terminate(relml::pg::exit_on_uncaught_exception);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(this_ticket.database, this_ticket.role, 0);
	char name[NAMEDATALEN];
	snprintf(name, sizeof(name), "relml training worker %d/%d", this_ticket.rank + 1, this_ticket.workers);
	pgstat_report_appname(name);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	// As SET TRANSACTION ISOLATION LEVEL REPEATABLE READ and SET TRANSACTION SNAPSHOT do, before any snapshot.
	XactIsoLevel = XACT_REPEATABLE_READ;
	this_ticket.snapshot[sizeof(this_ticket.snapshot) - 1] = '\0';
	ImportSnapshot(this_ticket.snapshot);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "SELECT relml._training_worker()");
	SPI_execute("SELECT relml._training_worker()", false, 0);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, nullptr);
	proc_exit(0);
}
