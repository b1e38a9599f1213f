// The loss landscape of a network (RELATRON.md, "Flat optima"): each parameter tensor is one group of
// filter_normalised_directions, and the grid moves every tensor by a d1 + b d2 around the trained weights.
#pragma once

#include "common/no_postgres.hpp"
#include "relatron/flatness.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace relml {

// `val_loss` evaluates the network as its parameters stand; they are back at their trained values on return.
LossLandscape network_loss_landscape(const std::vector<torch::Tensor> &parameters, uint64_t seed,
                                     const std::function<double()> &val_loss);

} // namespace relml
