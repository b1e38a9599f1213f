// One worker's part in a data-parallel RDL training, on LibTorch's own distributed package: c10d's
// ProcessGroupGloo over the training's store. Every worker holds the same network and the same ordered
// mini-batches; each trains on its share of a batch, and an all-reduce of the gradients gives every worker the
// gradient of the whole batch, so all take the same optimiser step. A worker that trains alone (workers 1) has no
// group, and every operation is the identity.
#pragma once

#include "common/hooks.hpp"
#include "rdl/api/training_store.hpp"

#include <torch/torch.h>

#include <cstddef>
#include <vector>

namespace c10d {
class ProcessGroupGloo;
class Work;
} // namespace c10d

namespace relml {

// The positions of `batch` that worker `rank` of `workers` takes: every workers-th, from its rank on, so the
// shares differ by at most one row.
std::vector<size_t> share_of(const std::vector<size_t> &batch, int rank, int workers);

class DataParallel {
public:
	// Joins the group of `rank` (waits for every worker to join); alone when rank.workers is 1. Every wait for
	// the other workers calls hooks.poll(), so a cancel lands while a worker waits for a stopped peer.
	DataParallel(const DataParallelRank &rank, const RunHooks &hooks);
	~DataParallel();

	int rank() const {
		return rank_;
	}
	int workers() const {
		return workers_;
	}
	std::vector<size_t> share(const std::vector<size_t> &batch) const {
		return share_of(batch, rank_, workers_);
	}

	// Gives every worker rank 0's values of `parameters`.
	void broadcast(const std::vector<torch::Tensor> &parameters);
	// Replaces each parameter's gradient by the mean over the workers. A gradient no worker has stays undefined,
	// as in training alone (the optimiser then skips the parameter); one some workers lack counts as zeros there.
	void average_gradients(const std::vector<torch::Tensor> &parameters);
	// The element-wise sum of `values` over the workers.
	std::vector<double> sum(const std::vector<double> &values);
	// The rows of all workers in one [total, width] tensor: each worker holds `local`, the rows at `positions`.
	torch::Tensor gather_rows(const torch::Tensor &local, const std::vector<size_t> &positions, int64_t total,
	                          int64_t width);

private:
	void all_reduce(torch::Tensor &tensor);
	// Waits for `work`, polling for a cancel.
	void finish(const char *what, const c10::intrusive_ptr<c10d::Work> &work);
	// Waits for every worker to reach the store, polling for a cancel: ProcessGroupGloo's own rendezvous
	// cannot be interrupted.
	void await_every_worker(TrainingStore &store);

	int rank_ = 0;
	int workers_ = 1;
	int timeout_seconds_ = 0;
	RunHooks hooks_;
	c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
	bool abandoned_ = false; // a collective was left unfinished: the group cannot be shut down cleanly
};

} // namespace relml
