#include "rdl/loss_landscape.hpp"

namespace relml {

namespace {

std::vector<double> values_of(const torch::Tensor &tensor) {
	const torch::Tensor flat = tensor.detach().to(torch::kCPU, torch::kDouble).contiguous().view(-1);
	return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

torch::Tensor tensor_like(const std::vector<double> &values, const torch::Tensor &like) {
	return torch::tensor(values, torch::kDouble).view(like.sizes()).to(like.device(), like.scalar_type());
}

} // namespace

LossLandscape network_loss_landscape(const std::vector<torch::Tensor> &parameters, uint64_t seed,
                                     const std::function<double()> &val_loss) {
	torch::NoGradGuard no_grad;
	std::vector<torch::Tensor> trained;
	std::vector<std::vector<double>> groups;
	for (const torch::Tensor &parameter : parameters) {
		trained.push_back(parameter.detach().clone());
		groups.push_back(values_of(parameter));
	}
	const Directions directions = filter_normalised_directions(groups, seed);
	std::vector<torch::Tensor> first, second;
	for (size_t k = 0; k < parameters.size(); ++k) {
		first.push_back(tensor_like(directions.first[k], parameters[k]));
		second.push_back(tensor_like(directions.second[k], parameters[k]));
	}
	groups.clear();
	auto move_to = [&](double a, double b) {
		for (size_t k = 0; k < parameters.size(); ++k) {
			torch::Tensor parameter = parameters[k];
			parameter.copy_(trained[k] + a * first[k] + b * second[k]);
		}
	};
	auto restore = [&] {
		for (size_t k = 0; k < parameters.size(); ++k) {
			torch::Tensor parameter = parameters[k];
			parameter.copy_(trained[k]);
		}
	};
	LossLandscape landscape;
	try {
		landscape = LossLandscape::measure([&](double a, double b) {
			move_to(a, b);
			return val_loss();
		});
	} catch (...) {
		restore();
		throw;
	}
	restore();
	return landscape;
}

} // namespace relml
