#include "dfs/graph_feature_evaluator.hpp"

#include "common/error.hpp"
#include "graph/batch_prefetcher.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace relml {

namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;
// The window time of a path that has not passed a timed table yet.
constexpr EpochMicros kNoTime = std::numeric_limits<EpochMicros>::min();
// Seeds computed between two interrupt polls: a few milliseconds of work.
constexpr size_t kChunkSeeds = 4096;

bool starts_with(const std::string &text, const std::string &prefix) {
	return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string &text, const std::string &suffix) {
	return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A date or a timestamp without time zone: the graph's microseconds compare with seed times as SQL compares them.
bool is_local_time_type(const std::string &type) {
	return type == "date" || (starts_with(type, "timestamp") && ends_with(type, "without time zone"));
}

// Types whose text form is equal exactly when their values are, so that distinct counts and modes over the
// graph's text dictionary agree with SQL's typed comparisons (not numeric, where 1.0 = 1.00, nor citext).
bool text_identifies_value(const std::string &type) {
	return (is_text_type(type) && type != "citext") || is_integer_type(type) || type == "boolean" ||
	       type == "uuid" || is_local_time_type(type);
}

// An interval of `days` days as PostgreSQL subtracts it from a timestamp without time zone: whole days, then the
// fraction as microseconds of a 24-hour day.
int64_t window_micros(double days) {
	const double whole = std::trunc(days);
	return int64_t(whole) * kMicrosPerDay + std::llround((days - whole) * double(kMicrosPerDay));
}

// (later - earlier) in days, as extract(epoch FROM later - earlier) / 86400.0 gives it.
double days_between(EpochMicros later, EpochMicros earlier) {
	return double(later - earlier) / double(kMicrosPerDay);
}

// Month (1-12) and ISO day of the week (Monday 1 .. Sunday 7) of a timestamp, as extract() gives them.
std::pair<int, int> month_and_isodow(EpochMicros micros) {
	int64_t days = micros / kMicrosPerDay;
	if (micros % kMicrosPerDay < 0) {
		--days;
	}
	// 1970-01-01 was a Thursday (ISO 4).
	const int isodow = int(((days % 7) + 7 + 3) % 7) + 1;
	// Civil date from days since the epoch (proleptic Gregorian), after H. Hinnant's days_from_civil inverse.
	const int64_t z = days + 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const int64_t day_of_era = z - era * 146097;
	const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	const int64_t shifted_month = (5 * day_of_year + 2) / 153;
	const int month = int(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
	return {month, isodow};
}

const Column *schema_column(const Table &table, const std::string &name) {
	return name.empty() ? nullptr : table.find_column(name);
}

// The decimal places of an exact numeric type (0 for integers, s for numeric(p, s)); -1 for other types.
int decimal_scale(const std::string &type) {
	if (is_integer_type(type)) {
		return 0;
	}
	const size_t comma = type.find(',');
	if (starts_with(type, "numeric(") && comma != std::string::npos) {
		return std::atoi(type.c_str() + comma + 1);
	}
	return -1;
}

} // namespace

GraphFeatureEvaluator::GraphFeatureEvaluator(const FeatureSpec &spec, const SchemaGraph &schema, const RelGraph &graph,
                                             bool utc_session)
    : graph_(graph) {
	date_parts_ = spec.seed_date_parts;
	observation_lag_ = spec.observation_lag;
	for (double days : spec.window_days) {
		window_micros_.push_back(window_micros(days));
	}
	entity_table_ = graph.find_table(spec.entity_table);
	if (entity_table_ < 0) {
		refuse("the graph has no table \"" + spec.entity_table + "\"");
		return;
	}
	resolve_own(spec, schema, utc_session);
	for (const FeaturePath &path : spec.paths) {
		if (!unsupported_.empty()) {
			return;
		}
		resolve_path(spec, path, schema, utc_session, columns_);
		columns_ += path.features.size();
	}
}

void GraphFeatureEvaluator::refuse(const std::string &reason) {
	if (unsupported_.empty()) {
		unsupported_ = reason;
	}
}

void GraphFeatureEvaluator::set_value_order(size_t index, std::vector<int32_t> rank_of_code) {
	if (rank_of_code.size() != graph_.tables.at(compared_.at(index).graph_table)
	                                .columns.at(compared_[index].graph_column)
	                                .dictionary.size()) {
		throw InternalError("the value order of " + compared_[index].table + "." + compared_[index].column +
		                    " does not cover its dictionary");
	}
	value_order_.at(index) = std::move(rank_of_code);
}

// A table's time (or timestamp) column compares with the seed's timestamp as the graph's microseconds do.
bool GraphFeatureEvaluator::time_comparable(const Table &table, const std::string &column, bool utc_session) {
	const Column *source = schema_column(table, column);
	const std::string type = source ? source->data_type : "";
	if (is_local_time_type(type)) {
		return true;
	}
	if (starts_with(type, "timestamp") && ends_with(type, "with time zone") && utc_session) {
		return true;
	}
	refuse("column " + table.name + "." + column + " (" + (type.empty() ? "unknown type" : type) +
	       ") compares with seed times in the session's time zone" +
	       (utc_session ? "" : "; the graph holds it as UTC, so only a session in UTC may use it"));
	return false;
}

int GraphFeatureEvaluator::compared_column(const Table &table, const Column &column, int graph_table,
                                           int graph_column, bool order) {
	for (size_t i = 0; i < compared_.size(); ++i) {
		if (compared_[i].graph_table == graph_table && compared_[i].graph_column == graph_column) {
			compared_[i].needs_order = compared_[i].needs_order || order;
			return int(i);
		}
	}
	compared_.push_back({table.name, column.name, column.data_type, order, graph_table, graph_column});
	value_order_.emplace_back();
	return int(compared_.size() - 1);
}

// Binds one feature to its graph column; false (with the reason kept) when the graph cannot compute it as SQL.
bool GraphFeatureEvaluator::resolve_input(const Feature &feature, const Table &table, int graph_table,
                                          bool utc_session, size_t column, Input &input) {
	input.aggregate = feature.aggregate;
	input.window = feature.window;
	input.column = column;
	input.zero_if_missing = feature.zero_if_missing;
	if (feature.window >= int(window_micros_.size())) {
		refuse("feature " + feature.name + " names a window the specification does not have");
		return false;
	}
	if (feature.column.empty()) {
		return true;
	}
	const GraphTable &held = graph_.tables[graph_table];
	const Column *source = schema_column(table, feature.column);
	if (!source) {
		refuse("feature " + feature.name + " reads column " + table.name + "." + feature.column +
		       ", which the model's schema lacks");
		return false;
	}
	if (feature.aggregate == Aggregate::AgeDays && feature.column == table.time_column) {
		input.row_time = true;
		return time_comparable(table, feature.column, utc_session);
	}
	input.values = held.find_column(feature.column);
	if (!input.values) {
		refuse("the graph does not hold column " + table.name + "." + feature.column);
		return false;
	}
	const int index = int(input.values - held.columns.data());
	input.decimal_scale = decimal_scale(source->data_type);
	if (input.values->non_finite > 0) {
		refuse("column " + table.name + "." + feature.column + " holds " + std::to_string(input.values->non_finite) +
		       " NaN or infinite values, which SQL's aggregates propagate and the graph holds as missing");
		return false;
	}
	const GraphColumnKind kind = input.values->kind;
	const bool numbers = kind == GraphColumnKind::Numerical || kind == GraphColumnKind::Boolean;
	bool fits = false;
	switch (feature.aggregate) {
	case Aggregate::Value:
		fits = feature.categorical ? kind == GraphColumnKind::Categorical : numbers;
		break;
	case Aggregate::Sum:
	case Aggregate::Mean:
	case Aggregate::Min:
	case Aggregate::Max:
	case Aggregate::Stddev:
		fits = numbers;
		break;
	case Aggregate::AgeDays:
		fits = kind == GraphColumnKind::Timestamp && time_comparable(table, feature.column, utc_session);
		break;
	case Aggregate::Mode:
	case Aggregate::CountDistinct:
		fits = kind == GraphColumnKind::Categorical && text_identifies_value(source->data_type);
		break;
	case Aggregate::Share:
		fits = kind == GraphColumnKind::Categorical;
		break;
	default:
		fits = false;
	}
	if (!fits) {
		refuse("feature " + feature.name + " (" + to_string(feature.aggregate) + " of a " + source->data_type +
		       " column the graph holds as " +
		       (kind == GraphColumnKind::Categorical ? "categories" : numbers ? "numbers" : "other values") +
		       ") has no graph equivalent of its SQL");
		return false;
	}
	const std::vector<std::string> &dictionary = input.values->dictionary;
	if (feature.categorical) {
		std::unordered_map<std::string, float> codes;
		for (size_t i = 0; i < feature.vocab.size(); ++i) {
			codes.emplace(feature.vocab[i], float(i));
		}
		input.vocab_codes.resize(dictionary.size(), float(feature.vocab.size()));
		for (size_t code = 0; code < dictionary.size(); ++code) {
			auto found = codes.find(dictionary[code]);
			if (found != codes.end()) {
				input.vocab_codes[code] = found->second;
			}
		}
	}
	if (feature.aggregate == Aggregate::Share) {
		auto found = std::find(dictionary.begin(), dictionary.end(), feature.share_value);
		input.share_code = found == dictionary.end() ? -1 : int32_t(found - dictionary.begin());
	}
	if (feature.aggregate == Aggregate::Mode || feature.aggregate == Aggregate::CountDistinct ||
	    feature.aggregate == Aggregate::Share) {
		input.compared = compared_column(table, *source, graph_table, index, feature.aggregate == Aggregate::Mode);
	}
	return true;
}

void GraphFeatureEvaluator::resolve_own(const FeatureSpec &spec, const SchemaGraph &schema, bool utc_session) {
	const Table &entity = schema.table(spec.entity_table);
	if (entity.has_time() && !time_comparable(entity, entity.time_column, utc_session)) {
		return;
	}
	for (const Feature &feature : spec.own.features) {
		Input input;
		if (!resolve_input(feature, entity, entity_table_, utc_session, columns_++, input)) {
			return;
		}
		own_.push_back(std::move(input));
	}
	columns_ += (date_parts_ ? 2 : 0) + (observation_lag_ ? 1 : 0);
}

void GraphFeatureEvaluator::resolve_path(const FeatureSpec &spec, const FeaturePath &path, const SchemaGraph &schema,
                                         bool utc_session, size_t offset) {
	Path resolved;
	resolved.aggregated = path.aggregated;
	const Table &entity = schema.table(spec.entity_table);
	resolved.entity_joined = !path.hops.empty() && !path.hops.front().backward && entity.has_time();
	int from = entity_table_;
	for (const Hop &hop : path.hops) {
		const int to = graph_.find_table(hop.table);
		if (to < 0) {
			refuse("the graph has no table \"" + hop.table + "\" (path " + path.name + ")");
			return;
		}
		Step step;
		step.backward = hop.backward;
		const Table &table = schema.table(hop.table);
		step.timed = table.has_time();
		if (step.timed && !time_comparable(table, table.time_column, utc_session)) {
			return;
		}
		for (size_t a = 0; a < graph_.adjacencies.size(); ++a) {
			const Adjacency &adjacency = graph_.adjacencies[a];
			if (adjacency.from_table == from && adjacency.to_table == to && adjacency.reverse == hop.backward &&
			    adjacency.fk_table == hop.fk_table && adjacency.fk_column == hop.fk_column) {
				step.adjacency = int(a);
			}
		}
		if (step.adjacency < 0) {
			refuse("the graph does not link " + hop.fk_table + "." + hop.fk_column + " (path " + path.name + ")");
			return;
		}
		resolved.steps.push_back(step);
		from = to;
	}
	if (path.hops.empty()) {
		refuse("path " + path.name + " has no hops");
		return;
	}
	const Table &target = schema.table(path.hops.back().table);
	for (size_t f = 0; f < path.features.size(); ++f) {
		Input input;
		if (!resolve_input(path.features[f], target, from, utc_session, offset + f, input)) {
			return;
		}
		resolved.inputs.push_back(std::move(input));
	}
	paths_.push_back(std::move(resolved));
}

// The rows the path's joins give for one seed, with the time of the deepest timed table on the way (what the
// windows compare), sorted by that time: each window is then a suffix.
void GraphFeatureEvaluator::collect_rows(const Path &path, int32_t entity_row, EpochMicros obs_time,
                                         Scratch &scratch) const {
	auto &rows = scratch.rows;
	rows.clear();
	scratch.numbers = NumberSummary{};
	scratch.tallied = nullptr;
	EpochMicros start_time = kNoTime;
	if (path.entity_joined) {
		start_time = graph_.tables[entity_table_].times[entity_row];
		if (start_time > obs_time) {
			return;
		}
	}
	rows.emplace_back(start_time, entity_row);
	for (const Step &step : path.steps) {
		const Adjacency &adjacency = graph_.adjacencies[step.adjacency];
		const size_t reached = rows.size();
		for (size_t i = 0; i < reached; ++i) {
			const auto [time, row] = rows[i];
			const int64_t begin = adjacency.offsets[row];
			const int64_t end = begin + (step.backward ? adjacency.eligible_count(row, obs_time) : adjacency.degree(row));
			for (int64_t n = begin; n < end; ++n) {
				const EpochMicros neighbor_time = step.timed ? adjacency.neighbor_times[n] : time;
				if (step.timed && neighbor_time > obs_time) {
					continue;
				}
				rows.emplace_back(neighbor_time, adjacency.neighbors[n]);
			}
		}
		rows.erase(rows.begin(), rows.begin() + reached);
	}
	std::sort(rows.begin(), rows.end());
}

// The numbers of `column` over rows first .. end (a window), computed once for all of its aggregates: the
// planner asks sum, mean, min, max and stddev of each column and window one after the other.
const GraphFeatureEvaluator::NumberSummary &GraphFeatureEvaluator::summarize_numbers(const GraphColumn &column,
                                                                                     Scratch &scratch,
                                                                                     size_t first) const {
	NumberSummary &summary = scratch.numbers;
	if (summary.column == &column && summary.first == first) {
		return summary;
	}
	summary = NumberSummary{&column, first};
	for (size_t i = first; i < scratch.rows.size(); ++i) {
		const double value = column.numbers[scratch.rows[i].second];
		if (!std::isnan(value)) {
			++summary.present;
			summary.sum += value;
			summary.low = std::min(summary.low, value);
			summary.high = std::max(summary.high, value);
		}
	}
	if (summary.present >= 2 && summary.low != summary.high) {
		const long double mean = summary.sum / summary.present;
		for (size_t i = first; i < scratch.rows.size(); ++i) {
			const double value = column.numbers[scratch.rows[i].second];
			if (!std::isnan(value)) {
				summary.squares += (value - mean) * (value - mean);
			}
		}
	}
	return summary;
}

// How many rows first .. end hold each category of `column` (scratch.counts, the codes seen in scratch.touched),
// counted once for the column's shares, mode and distinct count in that window.
size_t GraphFeatureEvaluator::tally_categories(const GraphColumn &column, Scratch &scratch, size_t first) const {
	if (scratch.tallied == &column && scratch.tallied_first == first) {
		return scratch.tallied_present;
	}
	for (int32_t code : scratch.touched) {
		scratch.counts[code] = 0;
	}
	scratch.touched.clear();
	scratch.counts.resize(std::max(scratch.counts.size(), column.dictionary.size()), 0);
	size_t present = 0;
	for (size_t i = first; i < scratch.rows.size(); ++i) {
		const int32_t code = column.codes[scratch.rows[i].second];
		if (code >= 0) {
			++present;
			if (scratch.counts[code]++ == 0) {
				scratch.touched.push_back(code);
			}
		}
	}
	scratch.tallied = &column;
	scratch.tallied_first = first;
	scratch.tallied_present = present;
	return present;
}

// One aggregate over rows first .. end of the seed's sorted rows (its window).
float GraphFeatureEvaluator::aggregate(const Input &input, Scratch &scratch, size_t first) const {
	const auto &rows = scratch.rows;
	switch (input.aggregate) {
	case Aggregate::Count:
		return float(rows.size() - first);
	case Aggregate::DaysSinceLast:
		return float(days_between(scratch.obs_time, rows.back().first));
	case Aggregate::DaysSinceFirst:
		return float(days_between(scratch.obs_time, rows.front().first));
	case Aggregate::Sum:
	case Aggregate::Mean:
	case Aggregate::Min:
	case Aggregate::Max:
	case Aggregate::Stddev: {
		const NumberSummary &summary = summarize_numbers(*input.values, scratch, first);
		if (summary.present == 0) {
			return kMissing;
		}
		switch (input.aggregate) {
		case Aggregate::Sum: {
			// SQL sums integers and numeric(p, s) exactly: the exact sum is the nearest multiple of 10^-s.
			long double sum = summary.sum;
			if (input.decimal_scale >= 0) {
				const long double unit = std::pow(10.0L, input.decimal_scale);
				sum = std::round(sum * unit) / unit;
			}
			return float(double(sum));
		}
		case Aggregate::Mean:
			return float(double(summary.sum / summary.present));
		case Aggregate::Min:
			return float(summary.low);
		case Aggregate::Max:
			return float(summary.high);
		default:
			// SQL's exact arithmetic gives 0 for equal values, where a rounded mean would leave a residue.
			return summary.present < 2 ? kMissing : float(std::sqrt(double(summary.squares / (summary.present - 1))));
		}
	}
	case Aggregate::Share: {
		const size_t present = tally_categories(*input.values, scratch, first);
		const size_t matching = input.share_code >= 0 ? scratch.counts[input.share_code] : 0;
		return present == 0 ? kMissing : float(double(matching) / double(present));
	}
	case Aggregate::CountDistinct:
		tally_categories(*input.values, scratch, first);
		return float(scratch.touched.size());
	case Aggregate::Mode: {
		tally_categories(*input.values, scratch, first);
		// The most frequent value; among equally frequent ones the first in SQL's order of the column.
		const std::vector<int32_t> &order = value_order_[input.compared];
		int32_t best = -1;
		for (int32_t code : scratch.touched) {
			if (best < 0 || scratch.counts[code] > scratch.counts[best] ||
			    (scratch.counts[code] == scratch.counts[best] && order[code] < order[best])) {
				best = code;
			}
		}
		return best < 0 ? kMissing : input.vocab_codes[best];
	}
	default:
		throw InternalError("aggregate " + to_string(input.aggregate) + " over a path's rows");
	}
}

// A forward path's row value (one row or none) or an aggregated path's per-window aggregates.
void GraphFeatureEvaluator::compute_path(const Path &path, Scratch &scratch, float *row) const {
	const auto &rows = scratch.rows;
	if (rows.empty()) {
		for (const Input &input : path.inputs) {
			row[input.column] = input.zero_if_missing ? 0.0f : kMissing;
		}
		return;
	}
	if (!path.aggregated) {
		for (const Input &input : path.inputs) {
			row[input.column] = value_of(input, rows.front().second, rows.front().first, scratch.obs_time);
		}
		return;
	}
	std::vector<size_t> &window_first = scratch.window_first;
	window_first.resize(window_micros_.size());
	for (size_t w = 0; w < window_micros_.size(); ++w) {
		const EpochMicros start = scratch.obs_time - window_micros_[w];
		window_first[w] = std::upper_bound(rows.begin(), rows.end(), std::make_pair(start, INT32_MAX)) - rows.begin();
	}
	for (const Input &input : path.inputs) {
		row[input.column] = aggregate(input, scratch, input.window < 0 ? 0 : window_first[input.window]);
	}
}

// One row's value of a column, or its age in days at the observation time.
float GraphFeatureEvaluator::value_of(const Input &input, int32_t graph_row, EpochMicros row_time,
                                      EpochMicros obs_time) const {
	if (input.aggregate == Aggregate::AgeDays) {
		EpochMicros moment = row_time;
		if (!input.row_time) {
			const double seconds = input.values->numbers[graph_row];
			if (std::isnan(seconds)) {
				return kMissing;
			}
			moment = std::llround(seconds * 1e6);
		}
		// A date later than the observation time is not known yet.
		return moment <= obs_time ? float(days_between(obs_time, moment)) : kMissing;
	}
	if (input.values->kind == GraphColumnKind::Categorical) {
		const int32_t code = input.values->codes[graph_row];
		return code < 0 ? kMissing : input.vocab_codes[code];
	}
	return float(input.values->numbers[graph_row]);
}

void GraphFeatureEvaluator::compute_own(int32_t entity_row, EpochMicros obs_time, EpochMicros seed_time,
                                        float *row) const {
	const GraphTable &entity = graph_.tables[entity_table_];
	const EpochMicros time = entity.time_of(entity_row);
	const bool visible = time <= obs_time;
	for (const Input &input : own_) {
		row[input.column] = visible ? value_of(input, entity_row, time, obs_time) : kMissing;
	}
	if (date_parts_) {
		const auto [month, isodow] = month_and_isodow(seed_time);
		row[own_.size()] = float(month);
		row[own_.size() + 1] = float(isodow);
	}
	if (observation_lag_) {
		row[own_.size() + (date_parts_ ? 2 : 0)] = float(days_between(seed_time, obs_time));
	}
}

void GraphFeatureEvaluator::compute(const GraphFeatureSeeds &seeds, size_t begin, size_t end,
                                    DenseMatrix &matrix) const {
	if (!unsupported_.empty()) {
		throw InternalError("features computed from a graph that cannot compute them: " + unsupported_);
	}
	for (size_t i = 0; i < compared_.size(); ++i) {
		if (compared_[i].needs_order && value_order_[i].empty() &&
		    !graph_.tables[compared_[i].graph_table].columns[compared_[i].graph_column].dictionary.empty()) {
			throw InternalError("no value order for column " + compared_[i].table + "." + compared_[i].column);
		}
	}
	Scratch scratch;
	for (size_t seed = begin; seed < end; ++seed) {
		float *row = matrix.values.data() + seed * matrix.cols;
		scratch.obs_time = seeds.obs_times[seed];
		compute_own(seeds.entity_rows[seed], scratch.obs_time, seeds.seed_times[seed], row);
		for (const Path &path : paths_) {
			collect_rows(path, seeds.entity_rows[seed], scratch.obs_time, scratch);
			compute_path(path, scratch, row);
		}
	}
}

DenseMatrix GraphFeatureEvaluator::compute_all(const GraphFeatureSeeds &seeds, int threads,
                                               const RunHooks &hooks) const {
	DenseMatrix matrix = DenseMatrix::filled(seeds.size(), columns_);
	const size_t workers = size_t(std::max(1, threads));
	for (size_t chunk = 0; chunk < seeds.size(); chunk += kChunkSeeds) {
		hooks.poll();
		const size_t end = std::min(seeds.size(), chunk + kChunkSeeds);
		const size_t share = (end - chunk + workers - 1) / workers;
		std::vector<std::exception_ptr> failures(workers);
		std::vector<std::thread> started;
		auto run = [&](size_t worker) {
			const size_t begin = std::min(end, chunk + worker * share);
			try {
				compute(seeds, begin, std::min(end, begin + share), matrix);
			} catch (...) {
				failures[worker] = std::current_exception();
			}
		};
		try {
			for (size_t worker = 1; worker < workers; ++worker) {
				started.push_back(start_signal_blocked_thread([&run, worker] { run(worker); }));
			}
		} catch (...) {
			for (std::thread &thread : started) {
				thread.join();
			}
			throw;
		}
		run(0);
		for (std::thread &thread : started) {
			thread.join();
		}
		for (const std::exception_ptr &failure : failures) {
			if (failure) {
				std::rethrow_exception(failure);
			}
		}
	}
	hooks.poll();
	return matrix;
}

} // namespace relml
