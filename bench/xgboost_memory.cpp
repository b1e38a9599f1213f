// XGBoost's memory and time on a DFS-shaped matrix, outside PostgreSQL: the peak resident size and the seconds
// per boosting round of the three ways relml could hand its rows to XGBoost 1.7 (docs/benchmarks.md, "DFS memory
// and batch serving at scale"). Built and run by bench/xgboost_memory.sh.
//   xgboost_memory dmatrix|dense-index|quantile MISSING_PERCENT
// dmatrix: XGDMatrixCreateFromMat (a copy of the rows), the histogram index as XGBoost chooses (sparse_threshold
// 0.2); dense-index: the same with sparse_threshold 0, as relml trains; quantile: a QuantileDMatrix over the rows
// in place. A third of the columns miss MISSING_PERCENT of their values.
#include <xgboost/c_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr size_t kTrainRows = 1000000;
constexpr size_t kValRows = 200000;
constexpr size_t kColumns = 177;
constexpr int kRounds = 40;

void check(int status, const char *call) {
	if (status != 0) {
		std::fprintf(stderr, "%s: %s\n", call, XGBGetLastError());
		std::exit(1);
	}
}

double now() {
	return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The process's peak resident size so far, in MB.
long peak_mb() {
	std::ifstream status("/proc/self/status");
	std::string line;
	while (std::getline(status, line)) {
		if (line.rfind("VmHWM:", 0) == 0) {
			return std::atol(line.c_str() + 6) / 1024;
		}
	}
	return 0;
}

// Rows handed to a QuantileDMatrix in batches, each an __array_interface__ over the caller's matrix.
struct RowBatches {
	const float *data;
	size_t rows;
	size_t next = 0;
	DMatrixHandle proxy;
};

int next_batch(DataIterHandle handle) {
	auto *batches = static_cast<RowBatches *>(handle);
	if (batches->next >= batches->rows) {
		return 0;
	}
	const size_t rows = std::min<size_t>(65536, batches->rows - batches->next);
	const std::string interface =
	    "{\"data\": [" + std::to_string(reinterpret_cast<uintptr_t>(batches->data + batches->next * kColumns)) +
	    ", true], \"shape\": [" + std::to_string(rows) + ", " + std::to_string(kColumns) +
	    "], \"typestr\": \"<f4\", \"version\": 3}";
	check(XGProxyDMatrixSetDataDense(batches->proxy, interface.c_str()), "XGProxyDMatrixSetDataDense");
	batches->next += rows;
	return 1;
}

void reset_batches(DataIterHandle handle) {
	static_cast<RowBatches *>(handle)->next = 0;
}

DMatrixHandle quantile_dmatrix(const float *data, size_t rows, DMatrixHandle reference) {
	DMatrixHandle proxy = nullptr;
	check(XGProxyDMatrixCreate(&proxy), "XGProxyDMatrixCreate");
	RowBatches batches{data, rows, 0, proxy};
	DMatrixHandle out = nullptr;
	check(XGQuantileDMatrixCreateFromCallback(&batches, proxy, reference, reset_batches, next_batch,
	                                          R"({"missing": NaN, "nthread": 1, "max_bin": 256})", &out),
	      "XGQuantileDMatrixCreateFromCallback");
	XGDMatrixFree(proxy);
	return out;
}

} // namespace

int main(int argc, char **argv) {
	const std::string mode = argc > 1 ? argv[1] : "";
	if (argc != 3 || (mode != "dmatrix" && mode != "dense-index" && mode != "quantile")) {
		std::fprintf(stderr, "usage: %s dmatrix|dense-index|quantile MISSING_PERCENT\n", argv[0]);
		return 2;
	}
	const int missing_percent = std::atoi(argv[2]);
	const size_t rows = kTrainRows + kValRows;
	std::vector<float> x(rows * kColumns);
	std::vector<float> y(rows);
	std::mt19937 generator(1);
	std::normal_distribution<float> normal;
	for (size_t r = 0; r < rows; ++r) {
		float signal = 0;
		for (size_t c = 0; c < kColumns; ++c) {
			float value = c % 7 == 0 ? std::round(3 * normal(generator)) : normal(generator);
			if (c % 3 == 1 && int(generator() % 100) < missing_percent) {
				value = NAN;
			}
			if (c < 5 && !std::isnan(value)) {
				signal += value;
			}
			x[r * kColumns + c] = value;
		}
		y[r] = signal + normal(generator) > 0;
	}
	const long data_mb = peak_mb();
	double start = now();
	DMatrixHandle train = nullptr;
	DMatrixHandle val = nullptr;
	if (mode == "quantile") {
		train = quantile_dmatrix(x.data(), kTrainRows, nullptr);
		val = quantile_dmatrix(x.data() + kTrainRows * kColumns, kValRows, train);
	} else {
		check(XGDMatrixCreateFromMat_omp(x.data(), kTrainRows, kColumns, NAN, &train, 1), "XGDMatrixCreateFromMat");
		check(XGDMatrixCreateFromMat_omp(x.data() + kTrainRows * kColumns, kValRows, kColumns, NAN, &val, 1),
		      "XGDMatrixCreateFromMat");
	}
	const double input_seconds = now() - start;
	check(XGDMatrixSetFloatInfo(train, "label", y.data(), kTrainRows), "XGDMatrixSetFloatInfo");
	check(XGDMatrixSetFloatInfo(val, "label", y.data() + kTrainRows, kValRows), "XGDMatrixSetFloatInfo");
	DMatrixHandle both[] = {train, val};
	const char *names[] = {"train", "val"};
	BoosterHandle booster = nullptr;
	check(XGBoosterCreate(both, 2, &booster), "XGBoosterCreate");
	const std::vector<std::pair<const char *, const char *>> params = {
	    {"verbosity", "0"}, {"nthread", "1"}, {"tree_method", "hist"}, {"objective", "binary:logistic"},
	    {"eval_metric", "auc"}, {"max_bin", "256"}, {"sparse_threshold", mode == "dense-index" ? "0" : "0.2"}};
	for (const auto &[name, value] : params) {
		check(XGBoosterSetParam(booster, name, value), "XGBoosterSetParam");
	}
	double rounds_start = 0;
	const char *evaluation = nullptr;
	for (int round = 0; round < kRounds; ++round) {
		if (round == 10) {
			rounds_start = now();
		}
		check(XGBoosterUpdateOneIter(booster, round, train), "XGBoosterUpdateOneIter");
		check(XGBoosterEvalOneIter(booster, round, &val, names + 1, 1, &evaluation), "XGBoosterEvalOneIter");
	}
	const double round_seconds = (now() - rounds_start) / (kRounds - 10);
	bst_ulong count = 0;
	const float *predictions = nullptr;
	check(XGBoosterPredict(booster, val, 0, 0, 0, &count, &predictions), "XGBoosterPredict");
	double checksum = 0;
	for (bst_ulong i = 0; i < count; ++i) {
		checksum += predictions[i] * double(i % 97 + 1);
	}
	std::printf("%-11s missing %2d%%: data %ld MB, peak %ld MB, input %.1f s, %.2f s a round, %s, val checksum %.6f\n",
	            mode.c_str(), missing_percent, data_mb, peak_mb(), input_seconds, round_seconds,
	            std::strchr(evaluation, 'v'), checksum);
	XGBoosterFree(booster);
	XGDMatrixFree(train);
	XGDMatrixFree(val);
	return 0;
}
