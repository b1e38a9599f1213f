// The RDL model family: the registered database as a graph, a temporal heterogeneous GraphSAGE trained end to
// end on the task's seeds (from a pre-trained encoder when the options name one), and prediction with the
// stored weights and encoders. The network lives in relml_rdl.so, reached through rdl_api().
#pragma once

#include "pg/families/model_family.hpp"
#include "pg/families/rdl/seed_feature_source.hpp"

#include "rdl/api/rdl_api.hpp"

#include <memory>

namespace relml::pg {

// What sets a family of the RDL network apart: its name, how it fits the network, and what it requires.
struct RdlVariant {
	std::string name;
	std::string description;
	// The library's entry that fits the network on the task's seeds.
	decltype(&RdlApi::train) fit = &RdlApi::train;
	// Set when the family needs an encoder ({"encoder": id}): the error that says why.
	std::string without_encoder_error;
	// Whether training rows may be observed late (lag_augmentation): the end-to-end network reads the lag.
	bool reads_lags = true;
	// Whether {"landscape": true} measures the trained network's loss landscape (the library's train does).
	bool measures_landscape = true;
	// Whether {"workers": N} trains it on N background workers (mini-batch training does; a probe's convex fit
	// does not).
	bool data_parallel = true;
	// Set: every seed also carries these dense features, and the family accepts their option keys (rdl+dfs).
	std::shared_ptr<const SeedFeatureSource> seed_features;
};

// rdl: the network and its head trained end to end.
std::unique_ptr<ModelFamily> make_rdl_family();

// A family that trains the RDL network its own way (probe) or feeds it more than the graph (rdl+dfs).
std::unique_ptr<ModelFamily> make_rdl_family(RdlVariant variant);

} // namespace relml::pg
