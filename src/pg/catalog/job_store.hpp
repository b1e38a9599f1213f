// relml.job_rows, the queue of relml.train_async: a job is queued at submit, claimed by its worker, and ends
// succeeded, failed or canceled. Every statement on it runs as the extension owner; the caller reads jobs
// through the view relml.jobs.
#pragma once

#include "pg/boundary/spi.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// A queued job and the role its worker connects as.
struct QueuedJob {
	int64_t job_id = 0;
	Oid role = InvalidOid;
};

// What a job trains, as its submitter gave it.
struct JobRequest {
	std::string task;
	std::string method;
	nlohmann::json options;
};

// Queues a job of role `owner`; returns its id.
int64_t queue_job(SpiConnection &spi, const std::string &owner, const JobRequest &request);

// The oldest `limit` queued jobs.
std::vector<QueuedJob> queued_jobs(SpiConnection &spi, int limit);

// Cancels job `job_id`: a queued job is marked canceled, a running one's worker is signalled. NotFoundError when
// the caller cannot see the job. Returns whether it stopped the job.
bool cancel_job(SpiConnection &spi, int64_t job_id);

// Claims the job for this worker: queued -> running, unless `max_running` jobs run already or another job of
// its task runs (it then stays queued for the next worker that frees a slot). Returns whether it did.
bool claim_job(SpiConnection &spi, int64_t job_id, int max_running);

// The job as the caller sees it in relml.jobs; NotFoundError when it does not exist.
JobRequest load_job(SpiConnection &spi, int64_t job_id);

// Marks the job succeeded with its model and its last progress.
void record_job_success(SpiConnection &spi, int64_t job_id, int64_t model_id, const nlohmann::json &final_progress);

// Marks a running job `state` (failed or canceled) with its error.
void record_job_end(SpiConnection &spi, int64_t job_id, const std::string &state,
                    const std::optional<std::string> &error);

} // namespace relml::pg
