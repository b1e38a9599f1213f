// Pre-training of the RDL backbone (column encoders, time encoding, GNN) before any labels exist, and what a
// pre-trained encoder is used for afterwards: entity embeddings and a linear probe on them. Methods:
//   tve      predicts each row's task vector (next-window statistics, built in SQL); loss per row
//            (1 - cos(prediction, task vector))^2, non-event rows weighted w and event rows 1 - w;
//   tve+ctr  tve plus ctr_weight x InfoNCE between the corrupted and the clean view of each seed;
//   tve+mae  tve plus mae_weight x reconstruction of the seed row's masked cells;
//   ctr, mae the self-supervised losses alone.
// Inputs are corrupted during pre-training: a share of the cells of every table is swapped across the rows
// of the batch. The checkpoint kept is the one with the lowest pre-training val loss.
#pragma once

#include "common/hooks.hpp"
#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"
#include "graph/temporal_sampler.hpp"
#include "rdl/api/rdl_options.hpp"
#include "rdl/api/rdl_types.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace relml {

// Options of relml.pretrain: the backbone's (RdlOptions) plus the pre-training losses'.
struct PretrainOptions {
	RdlOptions backbone;
	std::string method = "tve";     // tve | tve+ctr | tve+mae | ctr | mae
	double non_event_weight = 0.3;  // w: the weight of rows without any event in their window
	double corruption_rate = 0.15;  // share of cells swapped across rows
	double mask_rate = 0.25;        // share of the seed row's cells masked (mae)
	double ctr_weight = 0.1;        // of InfoNCE in tve+ctr
	double mae_weight = 0.1;        // of reconstruction in tve+mae
	double temperature = 0.1;       // of InfoNCE
	int rows_per_epoch = 20000;     // training rows drawn per epoch (all when fewer)

	// Reads the options JSON; keys that belong to the SQL side (pretrain_cutoff, paths, columns, max_rows,
	// max_mode_values, active_within) are ignored here. Unknown keys and bad values throw InvalidInputError naming the key.
	static PretrainOptions from_json(const nlohmann::json &options);
	nlohmann::json to_json() const;
	bool uses_task_vectors() const {
		return method == "tve" || method == "tve+ctr" || method == "tve+mae";
	}
};

Pretrained pretrain_rdl(const RelGraph &graph, const PretrainTask &task, const PretrainOptions &options,
                        const RunHooks &hooks);

// The seeds' embeddings (the GNN's output at each seed, before any head), row-major [seeds, channels], from
// the encoder stored as `config` and `weights`. Sampling uses the evaluation stream: the same seed gives the
// same embedding in every call.
std::vector<float> embed_rdl(const RelGraph &graph, int entity_table, const nlohmann::json &config,
                             const std::vector<uint8_t> &weights, const std::vector<Seed> &seeds,
                             EpochMicros input_cutoff, int threads, const RunHooks &hooks);

} // namespace relml
