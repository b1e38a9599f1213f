#include "rdl/data_parallel.hpp"

#include "common/error.hpp"
#include "common/signal_mask.hpp"
#include "rdl/c10d_training_store.hpp"

#ifdef RELML_WITH_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

#include <chrono>
#include <thread>

namespace relml {

namespace {

// c10d's failures as relml's: a collective fails when another worker stopped (its connections close) or took
// longer than the timeout.
template <typename Fn>
void collective(const char *what, Fn &&fn) {
	try {
		fn();
	} catch (const c10::Error &error) {
		throw WorkerError(std::string("data-parallel training failed to ") + what +
		                  " (another worker stopped or timed out): " + error.what_without_backtrace());
	} catch (const std::runtime_error &error) {
		throw WorkerError(std::string("data-parallel training failed to ") + what +
		                  " (another worker stopped or timed out): " + error.what());
	}
}

} // namespace

std::vector<size_t> share_of(const std::vector<size_t> &batch, int rank, int workers) {
	std::vector<size_t> share;
	share.reserve(batch.size() / size_t(workers) + 1);
	for (size_t i = size_t(rank); i < batch.size(); i += size_t(workers)) {
		share.push_back(batch[i]);
	}
	return share;
}

DataParallel::DataParallel(const DataParallelRank &rank, const RunHooks &hooks)
    : rank_(rank.rank), workers_(rank.workers), timeout_seconds_(rank.timeout_seconds), hooks_(hooks) {
	if (workers_ < 1 || rank_ < 0 || rank_ >= workers_) {
		throw InternalError("data-parallel rank " + std::to_string(rank_) + " of " + std::to_string(workers_));
	}
	if (workers_ == 1) {
		return;
	}
#ifdef RELML_WITH_GLOO
	auto *store = dynamic_cast<C10dTrainingStore *>(rank.store);
	if (store == nullptr) {
		throw InternalError("a data-parallel worker needs the training's c10d store");
	}
	await_every_worker(*store);
	collective("join its workers", [&] {
		auto options = c10d::ProcessGroupGloo::Options::create();
		options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(rank.address));
		options->timeout = std::chrono::seconds(rank.timeout_seconds);
		options->threads = 1; // one collective at a time
		AllSignalsBlocked blocked; // Gloo's threads must never take PostgreSQL's signals
		group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(
		    c10::make_intrusive<c10d::PrefixStore>("gloo", store->store()), rank_, workers_, options);
	});
#else
	throw NotSupportedError("option \"workers\" needs LibTorch's c10d with the Gloo backend, which this build of "
	                        "relml_rdl.so lacks: train with workers 1");
#endif
}

DataParallel::~DataParallel() {
	if (abandoned_) {
		// Its threads wait for peers that will never answer, and joining them would wait for the timeout: the
		// group is left to the process's exit, which closes its connections.
		(void)group_.release();
	}
}

void DataParallel::await_every_worker(TrainingStore &store) {
	const std::string key = "joined";
	store.add(key, 1);
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds_);
	while (store.add(key, 0) < workers_) {
		hooks_.poll();
		if (std::chrono::steady_clock::now() > deadline) {
			throw WorkerError("data-parallel training: not every worker started in time");
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
}

void DataParallel::finish(const char *what, const c10::intrusive_ptr<c10d::Work> &work) {
	try {
		while (!work->isCompleted()) {
			hooks_.poll();
			std::this_thread::sleep_for(std::chrono::microseconds(100));
		}
	} catch (...) {
		abandoned_ = true;
		throw;
	}
	collective(what, [&] { work->wait(); });
}

void DataParallel::all_reduce(torch::Tensor &tensor) {
#ifdef RELML_WITH_GLOO
	std::vector<torch::Tensor> tensors{tensor};
	finish("sum across its workers", group_->allreduce(tensors));
#endif
}

void DataParallel::broadcast(const std::vector<torch::Tensor> &parameters) {
	if (workers_ == 1) {
		return;
	}
	torch::NoGradGuard no_grad;
	std::vector<torch::Tensor> flat_parts;
	for (const torch::Tensor &parameter : parameters) {
		flat_parts.push_back(parameter.detach().to(torch::kCPU).reshape(-1));
	}
	std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
#ifdef RELML_WITH_GLOO
	finish("share the initial network", group_->broadcast(flat));
#endif
	int64_t offset = 0;
	for (const torch::Tensor &parameter : parameters) {
		const int64_t count = parameter.numel();
		parameter.copy_(flat[0].narrow(0, offset, count).view_as(parameter));
		offset += count;
	}
}

void DataParallel::average_gradients(const std::vector<torch::Tensor> &parameters) {
	if (workers_ == 1) {
		return;
	}
	// One all-reduce per step: every gradient flattened, then one flag per parameter (whether this worker has it).
	std::vector<torch::Tensor> parts;
	int64_t gradient_values = 0;
	for (const torch::Tensor &parameter : parameters) {
		const torch::Tensor &grad = parameter.grad();
		parts.push_back(grad.defined() ? grad.detach().to(torch::kCPU, torch::kFloat32).reshape(-1)
		                               : torch::zeros({parameter.numel()}, torch::kFloat32));
		gradient_values += parameter.numel();
	}
	std::vector<float> present;
	for (const torch::Tensor &parameter : parameters) {
		present.push_back(parameter.grad().defined() ? 1.0f : 0.0f);
	}
	parts.push_back(torch::tensor(present, torch::kFloat32));
	torch::Tensor flat = torch::cat(parts);
	all_reduce(flat);
	flat.narrow(0, 0, gradient_values).div_(double(workers_));
	int64_t offset = 0;
	for (size_t i = 0; i < parameters.size(); ++i) {
		torch::Tensor parameter = parameters[i];
		const int64_t count = parameter.numel();
		const torch::Tensor mean = flat.narrow(0, offset, count).view_as(parameter);
		if (flat[gradient_values + int64_t(i)].item<float>() == 0.0f) {
			parameter.mutable_grad() = torch::Tensor();
		} else if (parameter.grad().defined()) {
			parameter.mutable_grad().copy_(mean);
		} else {
			// Its own tensor, not a view of the buffer: the optimiser resets gradients in place.
			parameter.mutable_grad() = mean.to(parameter.device(), parameter.scalar_type(), false, true);
		}
		offset += count;
	}
}

std::vector<double> DataParallel::sum(const std::vector<double> &values) {
	if (workers_ == 1 || values.empty()) {
		return values;
	}
	torch::Tensor tensor = torch::tensor(values, torch::kFloat64);
	all_reduce(tensor);
	return std::vector<double>(tensor.data_ptr<double>(), tensor.data_ptr<double>() + tensor.numel());
}

torch::Tensor DataParallel::gather_rows(const torch::Tensor &local, const std::vector<size_t> &positions,
                                        int64_t total, int64_t width) {
	if (workers_ == 1) {
		return local;
	}
	// Each row is set by one worker and zero at the others, so the sum is exact.
	torch::Tensor rows = torch::zeros({total, width}, torch::kFloat32);
	if (!positions.empty()) {
		std::vector<int64_t> index(positions.begin(), positions.end());
		rows.index_copy_(0, torch::tensor(index, torch::kInt64), local.detach().to(torch::kCPU, torch::kFloat32));
	}
	all_reduce(rows);
	return rows;
}

} // namespace relml
