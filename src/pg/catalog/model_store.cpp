#include "pg/catalog/model_store.hpp"

#include "pg/boundary/owner_context.hpp"

#include "common/lru_cache.hpp"

#include <cstdio>

namespace relml::pg {

namespace {

// Deployed models' rows a session keeps parsed (one per task it predicts for, typically).
constexpr size_t kCachedModelRows = 16;

StoredModel model_from_row(const SpiResult &r) {
	StoredModel model;
	model.model_id = r.integer(0, 0);
	model.task_id = static_cast<int>(r.integer(0, 1));
	model.method = r.text(0, 2);
	model.options = nlohmann::json::parse(r.text(0, 3));
	model.feature_spec = nlohmann::json::parse(r.text(0, 4));
	model.row_version = r.text(0, 5);
	model.metric = r.text(0, 6);
	if (!r.is_null(0, 7)) {
		model.val_metric = r.number(0, 7);
	}
	return model;
}

const char *kModelColumns = "SELECT model_id, task_id, method, options::text, feature_spec::text, xmin::text, "
                            "metric, val_metric FROM relml.models ";

} // namespace

int64_t store_model(SpiConnection &spi, const TaskInfo &task, const NewModel &model, const std::string &trained_by) {
	AsExtensionOwner owner(spi);
	auto id = spi.scalar(
	    "INSERT INTO relml.models (task_id, method, options, feature_spec, model_bytes, metric, val_metric, test_metric, "
	    "metrics, train_rows, val_rows, test_rows, timings, trained_by) VALUES ($1::int, $2, $3::jsonb, $4::jsonb, "
	    "$5::bytea, $6, $7::float8, $8::float8, $9::jsonb, $10::int8, $11::int8, $12::int8, $13::jsonb, $14) "
	    "RETURNING model_id",
	    {std::to_string(task.task_id), model.method, model.options.dump(), model.feature_spec.dump(),
	     to_hex_bytea(model.bytes.data(), model.bytes.size()), model.metric, number_param(model.val_metric),
	     number_param(model.test_metric), model.metrics.dump(), std::to_string(model.train_rows),
	     std::to_string(model.val_rows), std::to_string(model.test_rows), model.timings.dump(), trained_by});
	return std::stoll(*id);
}

void add_model_metric(SpiConnection &spi, int64_t model_id, const std::string &key, const nlohmann::json &value) {
	AsExtensionOwner owner(spi);
	spi.execute("UPDATE relml.models SET metrics = metrics || jsonb_build_object($2::text, $3::jsonb) "
	            "WHERE model_id = $1::int8",
	            {std::to_string(model_id), key, value.dump()});
}

void delete_undeployed_models(SpiConnection &spi, const std::vector<int64_t> &model_ids) {
	if (model_ids.empty()) {
		return;
	}
	std::string ids = "{";
	for (size_t i = 0; i < model_ids.size(); ++i) {
		ids += (i ? "," : "") + std::to_string(model_ids[i]);
	}
	AsExtensionOwner owner(spi);
	spi.execute("DELETE FROM relml.models m WHERE m.model_id = ANY ($1::int8[]) "
	            "AND NOT EXISTS (SELECT 1 FROM relml.deployments d WHERE d.model_id = m.model_id)",
	            {ids + "}"});
}

void deploy(SpiConnection &spi, int task_id, int64_t model_id, const std::string &reason,
            const std::string &deployed_by) {
	AsExtensionOwner owner(spi);
	spi.execute("INSERT INTO relml.deployments (task_id, model_id, reason, deployed_by) VALUES ($1::int, $2::int8, $3, $4)",
	            {std::to_string(task_id), std::to_string(model_id), reason, deployed_by});
}

bool deploy_if_better(SpiConnection &spi, const TaskInfo &task, int64_t model_id, bool higher_is_better,
                      const std::string &deployed_by) {
	SpiResult current = spi.query("SELECT d.model_id, m.val_metric, m.metric FROM relml.deployed_models d "
	                              "JOIN relml.models m USING (model_id) WHERE d.task_id = $1::int",
	                              {std::to_string(task.task_id)});
	SpiResult fresh = spi.query("SELECT val_metric, metric FROM relml.models WHERE model_id = $1::int8",
	                            {std::to_string(model_id)});
	std::string metric = fresh.text(0, 1);
	if (current.rows() == 0) {
		deploy(spi, task.task_id, model_id, "first model of the task", deployed_by);
		return true;
	}
	bool comparable = current.text(0, 2) == metric && !current.is_null(0, 1) && !fresh.is_null(0, 0);
	double old_value = comparable ? current.number(0, 1) : 0;
	double new_value = comparable ? fresh.number(0, 0) : 0;
	bool better = comparable && (higher_is_better ? new_value > old_value : new_value < old_value);
	if (!better) {
		return false;
	}
	char reason[256];
	snprintf(reason, sizeof(reason), "better val %s than model %lld (%.6g vs %.6g)", metric.c_str(),
	         static_cast<long long>(current.integer(0, 0)), new_value, old_value);
	deploy(spi, task.task_id, model_id, reason, deployed_by);
	return true;
}

StoredModel load_model(SpiConnection &spi, int64_t model_id) {
	SpiResult r = spi.query(std::string(kModelColumns) + "WHERE model_id = $1::int8", {std::to_string(model_id)});
	if (r.rows() == 0) {
		throw NotFoundError("model " + std::to_string(model_id) + " does not exist");
	}
	return model_from_row(r);
}

std::vector<uint8_t> load_model_bytes(SpiConnection &spi, int64_t model_id) {
	SpiResult r = spi.query("SELECT model_bytes FROM relml.models WHERE model_id = $1::int8", {std::to_string(model_id)});
	if (r.rows() == 0) {
		throw NotFoundError("model " + std::to_string(model_id) + " does not exist");
	}
	return r.bytes(0, 0);
}

nlohmann::json load_model_metrics(SpiConnection &spi, int64_t model_id) {
	std::optional<std::string> metrics =
	    spi.scalar("SELECT metrics::text FROM relml.models WHERE model_id = $1::int8", {std::to_string(model_id)});
	if (!metrics) {
		throw NotFoundError("model " + std::to_string(model_id) + " does not exist");
	}
	return nlohmann::json::parse(*metrics);
}

// The row of a model, parsed once per session and row version: its feature specification is tens of kilobytes
// of JSON, more than a prediction's queries cost to run.
StoredModel load_deployed_model(SpiConnection &spi, const TaskInfo &task) {
	static auto *models = new LruCache<StoredModel>(kCachedModelRows);
	SpiResult deployed = spi.query_kept("SELECT d.model_id, m.xmin::text FROM relml.deployed_models d "
	                                    "JOIN relml.models m USING (model_id) WHERE d.task_id = $1::int",
	                                    {std::to_string(task.task_id)});
	if (deployed.rows() == 0) {
		throw NotFoundError("task \"" + task.name + "\" has no deployed model: train one with relml.train('" + task.name +
		                    "')");
	}
	const int64_t model_id = deployed.integer(0, 0);
	return *models->get(std::to_string(model_id) + "@" + deployed.text(0, 1),
	                    [&] { return load_model(spi, model_id); });
}

} // namespace relml::pg
