// The probe model family: a linear (or logistic) model on the frozen embeddings of a pre-trained RDL encoder,
// its penalty chosen on val. It measures what pre-training alone learnt; it is stored and served as an RDL
// network with a linear head.
#pragma once

#include "pg/families/model_family.hpp"

namespace relml::pg {

std::unique_ptr<ModelFamily> make_probe_family();

} // namespace relml::pg
