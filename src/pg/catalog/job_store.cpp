#include "pg/catalog/job_store.hpp"

#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/task_catalog.hpp"

namespace relml::pg {

namespace {

// Advisory lock class serialising job claims of one database (the concurrency cap).
constexpr int kJobLockClass = 0x7e2;
// Advisory lock class (2019) a worker holds, keyed by its job, for as long as it lives: relml.jobs tells a
// running job from a dead worker by it (relml._job_worker_alive).
constexpr int kJobAliveLockClass = 0x7e3;

} // namespace

int64_t queue_job(SpiConnection &spi, const std::string &owner, const JobRequest &request) {
	AsExtensionOwner as_owner(spi);
	return std::stoll(*spi.scalar("INSERT INTO relml.job_rows (owner, task, method, options) "
	                              "VALUES ($1, $2, $3, $4::jsonb) RETURNING job_id",
	                              {owner, request.task, request.method, request.options.dump()}));
}

std::vector<QueuedJob> queued_jobs(SpiConnection &spi, int limit) {
	AsExtensionOwner owner(spi);
	SpiResult queued = spi.query(
	    "SELECT j.job_id, r.oid::int8 FROM relml.job_rows j JOIN pg_catalog.pg_roles r ON r.rolname = j.owner "
	    "WHERE j.state = 'queued' ORDER BY j.job_id LIMIT $1::int",
	    {std::to_string(limit)});
	std::vector<QueuedJob> jobs;
	for (size_t r = 0; r < queued.rows(); ++r) {
		jobs.push_back({queued.integer(r, 0), static_cast<Oid>(queued.integer(r, 1))});
	}
	return jobs;
}

bool cancel_job(SpiConnection &spi, int64_t job_id) {
	const std::string id = std::to_string(job_id);
	SpiResult job = spi.query("SELECT state, worker_pid FROM relml.jobs WHERE job_id = $1::int8", {id});
	if (job.rows() == 0) {
		throw NotFoundError("job " + id + " does not exist or is not visible to role " + current_role(spi));
	}
	std::string state = job.text(0, 0);
	bool stopped = false;
	if (state == "queued") {
		AsExtensionOwner owner(spi);
		stopped = spi.execute("UPDATE relml.job_rows SET state = 'canceled', finished_at = pg_catalog.now(), "
		                      "error = 'canceled before it started' WHERE job_id = $1::int8 AND state = 'queued'",
		                      {id}) > 0;
	}
	if (!stopped && (state == "running" || state == "queued")) {
		// Either it was running, or it started between the two statements: stop its worker.
		AsExtensionOwner owner(spi); // the caller may see the job (checked above), not job_rows
		auto signaled = spi.scalar("SELECT pg_catalog.pg_cancel_backend(worker_pid) FROM relml.job_rows "
		                           "WHERE job_id = $1::int8 AND state = 'running' AND worker_pid IS NOT NULL",
		                           {id});
		stopped = signaled && *signaled == "t";
	}
	return stopped;
}

bool claim_job(SpiConnection &spi, int64_t job_id, int max_running) {
	const std::string id = std::to_string(job_id);
	AsExtensionOwner owner(spi);
	spi.execute("SELECT pg_catalog.pg_advisory_xact_lock($1::int, 0)", {std::to_string(kJobLockClass)});
	auto running = spi.scalar("SELECT count(*) FROM relml.job_rows WHERE state = 'running' "
	                          "AND relml._job_worker_alive(worker_pid, job_id)");
	// A second job of a task that is being trained waits for the first instead of failing on its lock.
	auto same_task = spi.scalar("SELECT count(*) FROM relml.job_rows r WHERE r.state = 'running' "
	                            "AND r.task = (SELECT q.task FROM relml.job_rows q WHERE q.job_id = $1::int8) "
	                            "AND relml._job_worker_alive(r.worker_pid, r.job_id)",
	                            {id});
	if (std::stoll(*running) >= max_running || std::stoll(*same_task) != 0) {
		return false;
	}
	spi.execute("SELECT pg_catalog.pg_advisory_lock($1::int, $2::int)",
	            {std::to_string(kJobAliveLockClass), std::to_string(job_id % 4294967296LL)});
	return spi.execute("UPDATE relml.job_rows SET state = 'running', worker_pid = pg_catalog.pg_backend_pid(), "
	                   "started_at = pg_catalog.clock_timestamp() WHERE job_id = $1::int8 AND state = 'queued'",
	                   {id}) > 0;
}

JobRequest load_job(SpiConnection &spi, int64_t job_id) {
	SpiResult job = spi.query("SELECT task, method, options::text FROM relml.jobs WHERE job_id = $1::int8",
	                          {std::to_string(job_id)});
	if (job.rows() == 0) {
		throw NotFoundError("job " + std::to_string(job_id) + " does not exist");
	}
	return {job.text(0, 0), job.text(0, 1), nlohmann::json::parse(job.text(0, 2))};
}

void record_job_success(SpiConnection &spi, int64_t job_id, int64_t model_id, const nlohmann::json &final_progress) {
	AsExtensionOwner owner(spi);
	spi.execute("UPDATE relml.job_rows SET state = 'succeeded', model_id = $2::int8, "
	            "finished_at = pg_catalog.clock_timestamp(), "
	            "final_progress = $3::jsonb WHERE job_id = $1::int8",
	            {std::to_string(job_id), std::to_string(model_id), final_progress.dump()});
}

void record_job_end(SpiConnection &spi, int64_t job_id, const std::string &state,
                    const std::optional<std::string> &error) {
	AsExtensionOwner owner(spi);
	spi.execute("UPDATE relml.job_rows SET state = $2, error = $3, finished_at = pg_catalog.clock_timestamp() "
	            "WHERE job_id = $1::int8 AND state = 'running'",
	            {std::to_string(job_id), state, error});
}

} // namespace relml::pg
