#include "pg/families/probe/probe_family.hpp"

#include "pg/families/rdl/rdl_family.hpp"

namespace relml::pg {

// The RDL network with a linear head fitted on the encoder's embeddings of the task's seeds, taken as the
// encoder saw its rows: never late.
std::unique_ptr<ModelFamily> make_probe_family() {
	RdlVariant probe;
	probe.name = "probe";
	probe.description = "a linear model on the frozen embeddings of a pre-trained RDL encoder (options "
	                    "{\"encoder\": id})";
	probe.fit = &RdlApi::train_probe;
	probe.without_encoder_error = "method probe fits a linear model on a pre-trained encoder's embeddings: pass "
	                              "options {\"encoder\": <id>} (see relml.pretrain)";
	probe.reads_lags = false;
	probe.measures_landscape = false;
	probe.data_parallel = false;
	return make_rdl_family(std::move(probe));
}

} // namespace relml::pg
