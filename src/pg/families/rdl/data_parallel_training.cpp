#include "pg/families/rdl/data_parallel_training.hpp"

#include "pg/boundary/background_worker.hpp"
#include "pg/boundary/module.hpp"
#include "pg/boundary/rdl_library.hpp"
#include "pg/boundary/training_workers.hpp"
#include "pg/families/training.hpp"

#include "common/stopwatch.hpp"

#include <algorithm>
#include <memory>

namespace relml::pg {

namespace {

using nlohmann::json;

// How long a collective or a read of the store waits for the slowest worker. Workers do the same work between
// collectives, so only a stalled worker (blocked on a lock, stopped) ever reaches it.
constexpr int kWaitSeconds = 600;
// How often the coordinator looks at the store when no worker starts or stops.
constexpr long kPollMilliseconds = 200;

// Store keys.
const std::string kRequest = "request";
const std::string kResult = "result";
const std::string kEvents = "events"; // rank 0's progress: a counter, and "event/<n>" for n = 1..counter

std::string done_key(int rank) {
	return "done/" + std::to_string(rank);
}

std::string error_key(int rank) {
	return "error/" + std::to_string(rank);
}

// The relml settings a role may set (relml.max_graph_memory, relml.device, ...), as the coordinator has them:
// the workers start from the server's.
json user_settings(SpiConnection &spi) {
	json settings = json::object();
	SpiResult rows = spi.query("SELECT name, setting FROM pg_catalog.pg_settings WHERE name LIKE 'relml.%' "
	                           "AND context = 'user' ORDER BY name");
	for (size_t row = 0; row < rows.rows(); ++row) {
		settings[rows.text(row, 0)] = rows.text(row, 1);
	}
	return settings;
}

// An error of a worker, as the coordinator raises it again: its kind and message.
json describe_error(const std::exception &error) {
	const char *kind = "worker";
	if (dynamic_cast<const CanceledError *>(&error)) {
		kind = "canceled";
	} else if (dynamic_cast<const InvalidInputError *>(&error)) {
		kind = "invalid_input";
	} else if (dynamic_cast<const PermissionError *>(&error)) {
		kind = "permission";
	} else if (dynamic_cast<const ResourceError *>(&error)) {
		kind = "resource";
	} else if (dynamic_cast<const NotSupportedError *>(&error)) {
		kind = "not_supported";
	} else if (dynamic_cast<const std::bad_alloc *>(&error)) {
		kind = "resource";
	}
	return {{"kind", kind}, {"message", error.what()}};
}

[[noreturn]] void raise_worker_error(const json &error, int rank, int workers) {
	const std::string message = "data-parallel training worker " + std::to_string(rank + 1) + " of " +
	                            std::to_string(workers) + " failed: " + error.value("message", std::string("error"));
	const std::string kind = error.value("kind", std::string("worker"));
	if (kind == "invalid_input") {
		throw InvalidInputError(message);
	}
	if (kind == "permission") {
		throw PermissionError(message);
	}
	if (kind == "resource") {
		throw ResourceError(message);
	}
	if (kind == "not_supported") {
		throw NotSupportedError(message);
	}
	throw WorkerError(message);
}

std::vector<double> doubles(const json &value) {
	return value.get<std::vector<double>>();
}

// A fitted model as rank 0 hands it over: CBOR, the weights as one binary value.
std::string encode_fitted(const FittedModel &fitted) {
	json value = {{"options", fitted.options},
	              {"feature_spec", fitted.feature_spec},
	              {"bytes", json::binary(fitted.bytes)},
	              {"val_predictions", fitted.val_predictions},
	              {"test_predictions", fitted.test_predictions},
	              {"late_val_predictions", fitted.late_val_predictions},
	              {"metrics", fitted.metrics},
	              {"timings", fitted.timings},
	              {"reads_device", fitted.reads_device}};
	if (fitted.train_predictions) {
		value["train_predictions"] = *fitted.train_predictions;
	}
	const std::vector<uint8_t> cbor = json::to_cbor(value);
	return std::string(cbor.begin(), cbor.end());
}

FittedModel decode_fitted(const std::string &text) {
	const json value = json::from_cbor(std::vector<uint8_t>(text.begin(), text.end()));
	FittedModel fitted;
	fitted.options = value.at("options");
	fitted.feature_spec = value.at("feature_spec");
	fitted.bytes = value.at("bytes").get_binary();
	fitted.val_predictions = doubles(value.at("val_predictions"));
	fitted.test_predictions = doubles(value.at("test_predictions"));
	fitted.late_val_predictions = doubles(value.at("late_val_predictions"));
	if (value.contains("train_predictions")) {
		fitted.train_predictions = doubles(value.at("train_predictions"));
	}
	fitted.metrics = value.at("metrics");
	fitted.timings = value.at("timings");
	fitted.reads_device = value.at("reads_device").get<bool>();
	return fitted;
}

// Rank 0's hooks: progress goes to the store too, for the coordinator to relay.
RunHooks relaying_hooks(TrainingStore &store, int64_t &events) {
	RunHooks hooks = backend_hooks();
	auto publish = [&store, &events](const json &event) {
		store.set("event/" + std::to_string(++events), event.dump());
		store.add(kEvents, 1);
	};
	hooks.progress = [publish](const std::string &line) { publish({{"report", line}}); };
	hooks.advance = [publish](const std::string &phase, double fraction, long step) {
		publish({{"phase", phase}, {"fraction", fraction}, {"step", step}});
	};
	return hooks;
}

// Replays rank 0's new events through the coordinator's hooks; returns how many it has relayed in all.
int64_t relay_events(TrainingStore &store, int64_t relayed, const RunHooks &hooks) {
	const int64_t published = store.add(kEvents, 0);
	for (int64_t n = relayed + 1; n <= published; ++n) {
		const json event = json::parse(store.wait("event/" + std::to_string(n)));
		if (event.contains("report")) {
			hooks.report(event.at("report").get<std::string>());
		} else {
			hooks.step(event.at("phase").get<std::string>(), event.at("fraction").get<double>(),
			           event.at("step").get<long>());
		}
	}
	return published;
}

// Waits for rank 0's model, relaying progress; fails as soon as a worker fails or stops without finishing.
std::string await_result(TrainingStore &store, const TrainingWorkers &started, int workers, const RunHooks &hooks) {
	int64_t relayed = 0;
	for (;;) {
		hooks.poll();
		relayed = relay_events(store, relayed, hooks);
		if (std::optional<std::string> result = store.find(kResult)) {
			relay_events(store, relayed, hooks);
			return *result;
		}
		for (int rank = 0; rank < workers; ++rank) {
			// An error is read after the stop: a worker writes it before it exits.
			const bool stopped = started.stopped(rank);
			if (std::optional<std::string> error = store.find(error_key(rank))) {
				raise_worker_error(json::parse(*error), rank, workers);
			}
			if (stopped && !store.find(done_key(rank))) {
				throw WorkerError("data-parallel training worker " + std::to_string(rank + 1) + " of " +
				                  std::to_string(workers) + " stopped before finishing (the server log says why)");
			}
		}
		TrainingWorkers::wait(kPollMilliseconds);
	}
}

// Refuses a training whose transaction has written tracked tables: the workers read the committed data of
// its snapshot, which lacks those writes. (Writes to untracked tables cannot be seen; docs/scaling.md says so.)
void require_no_uncommitted_writes(SpiConnection &spi) {
	const std::optional<std::string> written = spi.scalar(
	    "SELECT string_agg(DISTINCT format('%I.%I', n.nspname, c.relname), ', ') "
	    "FROM (SELECT relid FROM relml.table_inserts WHERE xid = pg_catalog.pg_current_xact_id_if_assigned() "
	    "      UNION SELECT relid FROM relml.table_changes WHERE xid = pg_catalog.pg_current_xact_id_if_assigned()) w "
	    "JOIN pg_catalog.pg_class c ON c.oid = w.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace");
	if (written) {
		throw NotSupportedError("option \"workers\": this transaction has uncommitted writes to " + *written +
		                        ", and data-parallel workers read committed data only: commit them first, or "
		                        "leave out option \"workers\"");
	}
}

} // namespace

FittedModel train_on_workers(const TrainingRun &run, const std::string &method, int workers) {
	bool in_subtransaction = false;
	pg_call([&] { in_subtransaction = IsSubTransaction(); });
	if (in_subtransaction) {
		throw NotSupportedError("option \"workers\": a data-parallel training hands its snapshot to its workers, "
		                        "which PostgreSQL refuses inside a subtransaction (a savepoint, a PL/pgSQL "
		                        "EXCEPTION block, a routed trial): call relml.train outside one");
	}
	require_login_for_workers(run.spi, "train as a role with LOGIN, or leave out option \"workers\"");
	require_no_uncommitted_writes(run.spi);
	Stopwatch watch;
	const std::string prefix = random_store_prefix();
	std::unique_ptr<TrainingStore> store = rdl_api().serve_training_store(prefix + "/", kWaitSeconds);
	// One thread per worker unless relml.threads has more to share.
	const int threads = std::max(1, run.common.threads / workers);
	store->set(kRequest, json{{"task", run.task.name},
	                          {"method", method},
	                          {"options", run.given_options},
	                          {"threads", threads},
	                          {"device_setting", run.common.device_setting},
	                          {"settings", user_settings(run.spi)}}
	                         .dump());
	TrainingWorkerTicket ticket;
	memset(&ticket, 0, sizeof(ticket));
	pg_call([&] {
		ticket.database = MyDatabaseId;
		ticket.role = GetUserId();
	});
	ticket.workers = workers;
	ticket.port = store->port();
	snprintf(ticket.prefix, sizeof(ticket.prefix), "%s", prefix.c_str());
	const std::string snapshot = *run.spi.scalar("SELECT pg_catalog.pg_export_snapshot()");
	if (snapshot.size() >= sizeof(ticket.snapshot)) {
		throw InternalError("exported snapshot id \"" + snapshot + "\" is longer than expected");
	}
	snprintf(ticket.snapshot, sizeof(ticket.snapshot), "%s", snapshot.c_str());
	run.hooks.report("training on " + std::to_string(workers) + " background workers (" + std::to_string(threads) +
	                 " thread" + (threads == 1 ? "" : "s") + " each), sharing snapshot " + snapshot);
	FittedModel fitted;
	{
		const TrainingWorkers started(ticket);
		fitted = decode_fitted(await_result(*store, started, workers, run.hooks));
	}
	fitted.metrics["data_parallel"] = {{"workers", workers}, {"threads_per_worker", threads}};
	fitted.timings["workers"] = watch.seconds();
	return fitted;
}

} // namespace relml::pg

// relml._training_worker(): the C++ half of a training worker. Joins the coordinator's store, fits as its rank
// under the coordinator's snapshot (imported by relml_training_worker_main) and leaves rank 0's model in the
// store; any error is left there too, for the coordinator to raise, and raised here (the server log).
RELML_SQL_FUNCTION(relml_training_worker) {
	using namespace relml;
	using namespace relml::pg;
	const TrainingWorkerTicket *ticket = training_worker_ticket();
	if (ticket == nullptr) {
		throw PermissionError("relml._training_worker runs only in a data-parallel training's background worker");
	}
	std::unique_ptr<TrainingStore> store =
	    rdl_api().join_training_store("127.0.0.1", ticket->port, std::string(ticket->prefix) + "/", kWaitSeconds);
	try {
		const nlohmann::json request = nlohmann::json::parse(store->wait(kRequest));
		SpiConnection spi;
		for (const auto &setting : request.at("settings").items()) {
			spi.query("SELECT pg_catalog.set_config($1, $2, true)", {setting.key(), setting.value().get<std::string>()});
		}
		int64_t events = 0;
		const RunHooks hooks = ticket->rank == 0 ? relaying_hooks(*store, events) : backend_hooks();
		DataParallelRank rank;
		rank.store = store.get();
		rank.rank = ticket->rank;
		rank.workers = ticket->workers;
		rank.timeout_seconds = kWaitSeconds;
		WorkerFit fit;
		fit.task = request.at("task").get<std::string>();
		fit.method = request.at("method").get<std::string>();
		fit.options = request.at("options");
		fit.threads = request.at("threads").get<int>();
		fit.device_setting = request.at("device_setting").get<std::string>();
		const FittedModel fitted = fit_as_worker(spi, fit, rank, hooks);
		if (ticket->rank == 0) {
			store->set(kResult, encode_fitted(fitted));
		}
		store->set(done_key(ticket->rank), "");
	} catch (const std::exception &error) {
		try {
			store->set(error_key(ticket->rank), describe_error(error).dump());
		} catch (const std::exception &) {
			// The coordinator is gone: it has nobody to tell.
		}
		throw;
	}
	PG_RETURN_VOID();
}
