#include "rdl/table_encoding.hpp"

#include "common/error.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace relml {

namespace {

using nlohmann::json;

constexpr size_t kMaxVocabulary = 10000;
constexpr size_t kMaxTokens = 20000;
// A value or token seen in fewer visible rows than this names its rows rather than describing them (a driver's
// surname, a product code): its embedding could only memorise their training labels, so it reads as unknown.
// Measured on rel-f1 val (docs/benchmarks.md): every value kept, driver-position MAE 3.27 and driver-dnf AUROC
// 0.72; values of 2+ rows, 3.25 and 0.72; of 5+ rows, 3.14 and 0.75 (as good as dropping the name columns).
constexpr size_t kMinRows = 5;
constexpr double kClip = TableEncoding::kClip;
// sin/cos of month, weekday and hour, then the missing flag; the standardised year goes before the flag.
constexpr int64_t kCalendarWidth = 7;
constexpr double kSecondsPerYear = 365.2425 * 86400;
constexpr double kTwoPi = 6.283185307179586;

const std::vector<std::pair<GraphColumnKind, std::string>> kKindNames = {
    {GraphColumnKind::Numerical, "numerical"}, {GraphColumnKind::Categorical, "categorical"},
    {GraphColumnKind::Boolean, "boolean"},     {GraphColumnKind::Timestamp, "timestamp"},
    {GraphColumnKind::Text, "text"}};

// Kinds are stored by name, so that reordering the enum never changes what a stored model means.
std::string kind_name(GraphColumnKind kind) {
	for (const auto &[known, name] : kKindNames) {
		if (known == kind) {
			return name;
		}
	}
	throw InternalError("invalid GraphColumnKind value");
}

GraphColumnKind parse_kind(const std::string &name) {
	for (const auto &[kind, known] : kKindNames) {
		if (known == name) {
			return kind;
		}
	}
	throw InvalidInputError("stored RDL model has a column of unknown kind \"" + name + "\"");
}

int64_t timestamp_width(bool absolute_year) {
	return kCalendarWidth + (absolute_year ? 1 : 0);
}

// Rows whose values the statistics may use: a timed table's rows up to the cutoff (never those with an
// unknown time, which nothing samples), every row of a static table.
std::vector<char> visible_rows(const GraphTable &table, EpochMicros fit_cutoff) {
	std::vector<char> visible(table.rows, 1);
	if (table.has_time()) {
		for (size_t row = 0; row < table.rows; ++row) {
			visible[row] = table.times[row] != kUnknownTime && table.times[row] <= fit_cutoff;
		}
	}
	return visible;
}

double fractional_year(double seconds) {
	return 1970 + seconds / kSecondsPerYear;
}

// Mean and standard deviation of the non-missing visible values; a constant (or absent) column gets spread 1
// so that standardising never divides by zero.
void fit_moments(const std::vector<double> &values, const std::vector<char> &visible, bool as_year, double &mean,
                 double &std) {
	double sum = 0;
	double count = 0;
	for (size_t row = 0; row < values.size(); ++row) {
		if (visible[row] && std::isfinite(values[row])) {
			sum += as_year ? fractional_year(values[row]) : values[row];
			count += 1;
		}
	}
	mean = count > 0 ? sum / count : 0;
	double squares = 0;
	for (size_t row = 0; row < values.size(); ++row) {
		if (visible[row] && std::isfinite(values[row])) {
			const double centred = (as_year ? fractional_year(values[row]) : values[row]) - mean;
			squares += centred * centred;
		}
	}
	std = count > 1 ? std::sqrt(squares / count) : 0;
	if (!(std > 1e-9 * std::max(1.0, std::fabs(mean)))) {
		std = 1;
	}
}

// The most frequent values of the visible rows that occur in at least kMinRows of them (ties by value, so the
// vocabulary is reproducible).
std::vector<std::string> fit_vocabulary(const GraphColumn &column, const std::vector<char> &visible) {
	std::vector<size_t> counts(column.dictionary.size(), 0);
	for (size_t row = 0; row < column.codes.size(); ++row) {
		if (visible[row] && column.codes[row] >= 0) {
			++counts[column.codes[row]];
		}
	}
	std::vector<size_t> order;
	for (size_t code = 0; code < counts.size(); ++code) {
		if (counts[code] >= kMinRows) {
			order.push_back(code);
		}
	}
	std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
		return counts[a] != counts[b] ? counts[a] > counts[b] : column.dictionary[a] < column.dictionary[b];
	});
	order.resize(std::min(order.size(), kMaxVocabulary));
	std::vector<std::string> vocabulary;
	for (size_t code : order) {
		vocabulary.push_back(column.dictionary[code]);
	}
	return vocabulary;
}

// The token hashes of a text column that occur in at least kMinRows visible rows, most frequent first (ties by
// hash), at most kMaxTokens of them.
std::vector<uint32_t> fit_tokens(const GraphColumn &column, const std::vector<char> &visible) {
	std::unordered_map<uint32_t, size_t> rows_with;
	std::unordered_set<uint32_t> in_row;
	for (size_t row = 0; row + 1 < column.token_offsets.size(); ++row) {
		if (!visible[row]) {
			continue;
		}
		in_row.clear();
		in_row.insert(column.token_hashes.begin() + column.token_offsets[row],
		              column.token_hashes.begin() + column.token_offsets[row + 1]);
		for (uint32_t token : in_row) {
			++rows_with[token];
		}
	}
	std::vector<std::pair<size_t, uint32_t>> frequent;
	for (const auto &entry : rows_with) {
		if (entry.second >= kMinRows) {
			frequent.emplace_back(entry.second, entry.first);
		}
	}
	std::sort(frequent.begin(), frequent.end(), [](const auto &a, const auto &b) {
		return a.first != b.first ? a.first > b.first : a.second < b.second;
	});
	frequent.resize(std::min(frequent.size(), kMaxTokens));
	std::vector<uint32_t> tokens;
	for (const auto &entry : frequent) {
		tokens.push_back(entry.second);
	}
	return tokens;
}

// Days since 1970-01-01 to the civil month (1..12), proleptic Gregorian (H. Hinnant's civil_from_days).
int month_of(int64_t days) {
	days += 719468;
	const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	const int64_t day_of_era = days - era * 146097;
	const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	const int64_t shifted_month = (5 * day_of_year + 2) / 153;
	return int(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
}

// A date's position in the year, week and day as points on circles (December is next to January), with
// absolute_year the standardised year; a missing value is all zeros with its flag set. Its age at the seed
// time is added per sampled node (BatchBuilder).
void encode_timestamp(double seconds, bool absolute_year, double mean, double std, float *out) {
	const int64_t width = timestamp_width(absolute_year);
	if (!std::isfinite(seconds)) {
		std::fill(out, out + width, 0.0f);
		out[width - 1] = 1;
		return;
	}
	const int64_t days = int64_t(std::floor(seconds / 86400));
	const double hour = (seconds - double(days) * 86400) / 3600;
	const double weekday = double(((days + 4) % 7 + 7) % 7); // 1970-01-01 was a Thursday
	const double month = month_of(days) - 1;
	out[0] = float(std::sin(kTwoPi * month / 12));
	out[1] = float(std::cos(kTwoPi * month / 12));
	out[2] = float(std::sin(kTwoPi * weekday / 7));
	out[3] = float(std::cos(kTwoPi * weekday / 7));
	out[4] = float(std::sin(kTwoPi * hour / 24));
	out[5] = float(std::cos(kTwoPi * hour / 24));
	if (absolute_year) {
		out[6] = float(std::clamp((fractional_year(seconds) - mean) / std, -kClip, kClip));
	}
	out[width - 1] = 0;
}

// The standardised range of the non-missing visible values, within [-kClip, kClip]; an absent column keeps
// the full range.
void fit_range(const std::vector<double> &values, const std::vector<char> &visible, double mean, double std,
               double &low, double &high) {
	low = kClip;
	high = -kClip;
	for (size_t row = 0; row < values.size(); ++row) {
		if (visible[row] && std::isfinite(values[row])) {
			const double z = std::clamp((values[row] - mean) / std, -kClip, kClip);
			low = std::min(low, z);
			high = std::max(high, z);
		}
	}
	if (low > high) {
		low = -kClip;
		high = kClip;
	}
}

// A value outside the range training saw encodes as the nearest value it saw: a network extrapolates linearly
// where trees saturate, and later rows drift (rel-f1's points per race went from 10 to 25 a win in 2010).
void encode_number(double value, const GraphColumnKind kind, double mean, double std, double low, double high,
                   float *out) {
	if (!std::isfinite(value)) {
		out[0] = 0;
		out[1] = 1;
		return;
	}
	out[0] = kind == GraphColumnKind::Boolean ? float(value) : float(std::clamp((value - mean) / std, low, high));
	out[1] = 0;
}

// A stored model written by another relml version may lack a field: name it instead of failing vaguely.
const json &field(const json &state, const std::string &key) {
	auto it = state.find(key);
	if (it == state.end()) {
		throw InvalidInputError("stored RDL model lacks the encoder field \"" + key + "\"");
	}
	return *it;
}

} // namespace

TableEncoding TableEncoding::fit(const GraphTable &table, EpochMicros fit_cutoff, bool absolute_year) {
	TableEncoding encoding;
	encoding.table_ = table.name;
	encoding.timed_ = table.has_time();
	encoding.absolute_year_ = absolute_year;
	encoding.distinct_missing_ = true;
	const std::vector<char> visible = visible_rows(table, fit_cutoff);
	for (const GraphColumn &graph_column : table.columns) {
		Column column;
		column.name = graph_column.name;
		column.kind = graph_column.kind;
		switch (graph_column.kind) {
		case GraphColumnKind::Numerical:
			fit_moments(graph_column.numbers, visible, false, column.mean, column.std);
			fit_range(graph_column.numbers, visible, column.mean, column.std, column.low, column.high);
			break;
		case GraphColumnKind::Timestamp:
			if (absolute_year) {
				fit_moments(graph_column.numbers, visible, true, column.mean, column.std);
			}
			break;
		case GraphColumnKind::Boolean:
			break;
		case GraphColumnKind::Categorical:
			column.vocabulary = fit_vocabulary(graph_column, visible);
			break;
		case GraphColumnKind::Text:
			column.tokens = fit_tokens(graph_column, visible);
			break;
		}
		encoding.columns_.push_back(std::move(column));
	}
	return encoding;
}

json TableEncoding::to_json() const {
	json columns = json::array();
	for (const Column &column : columns_) {
		json item{{"name", column.name}, {"kind", kind_name(column.kind)}};
		if (has_moments(column)) {
			item["mean"] = column.mean;
			item["std"] = column.std;
			if (column.kind == GraphColumnKind::Numerical) {
				item["low"] = column.low;
				item["high"] = column.high;
			}
		} else if (column.kind == GraphColumnKind::Categorical) {
			item["vocabulary"] = column.vocabulary;
		} else if (column.kind == GraphColumnKind::Text) {
			item["tokens"] = column.tokens;
		}
		columns.push_back(std::move(item));
	}
	return json{{"table", table_},
	            {"timed", timed_},
	            {"absolute_year", absolute_year_},
	            {"distinct_missing", distinct_missing_},
	            {"columns", std::move(columns)}};
}

TableEncoding TableEncoding::from_json(const json &state) {
	TableEncoding encoding;
	encoding.table_ = field(state, "table").get<std::string>();
	encoding.timed_ = field(state, "timed").get<bool>();
	// Models stored before the option existed always encoded the year.
	encoding.absolute_year_ = state.value("absolute_year", true);
	// ... and read a missing categorical value as an unknown one and a missing text as an empty one.
	encoding.distinct_missing_ = state.value("distinct_missing", false);
	for (const json &item : field(state, "columns")) {
		Column column;
		column.name = field(item, "name").get<std::string>();
		column.kind = parse_kind(field(item, "kind").get<std::string>());
		if (encoding.has_moments(column)) {
			column.mean = field(item, "mean").get<double>();
			column.std = field(item, "std").get<double>();
			// Models stored before the range was fitted clipped at the fixed bound only.
			column.low = item.value("low", -kClip);
			column.high = item.value("high", kClip);
		} else if (column.kind == GraphColumnKind::Categorical) {
			column.vocabulary = field(item, "vocabulary").get<std::vector<std::string>>();
		} else if (column.kind == GraphColumnKind::Text) {
			column.tokens = field(item, "tokens").get<std::vector<uint32_t>>();
		}
		encoding.columns_.push_back(std::move(column));
	}
	return encoding;
}

bool TableEncoding::has_moments(const Column &column) const {
	return column.kind == GraphColumnKind::Numerical || (column.kind == GraphColumnKind::Timestamp && absolute_year_);
}

// Columns of the numeric matrix per kind: categorical columns go through embeddings, text through embedding
// bags plus, with distinct_missing, a missing flag.
int64_t TableEncoding::column_width(GraphColumnKind kind) const {
	switch (kind) {
	case GraphColumnKind::Numerical:
	case GraphColumnKind::Boolean:
		return 2;
	case GraphColumnKind::Timestamp:
		return timestamp_width(absolute_year_);
	case GraphColumnKind::Text:
		return distinct_missing_ ? 1 : 0;
	case GraphColumnKind::Categorical:
		return 0;
	}
	throw InternalError("invalid GraphColumnKind value");
}

int64_t TableEncoding::numeric_width() const {
	const std::vector<int64_t> widths = numeric_column_widths();
	return std::accumulate(widths.begin(), widths.end(), int64_t(0));
}

std::vector<int64_t> TableEncoding::numeric_column_widths() const {
	std::vector<int64_t> widths;
	for (const Column &column : columns_) {
		if (column_width(column.kind) > 0) {
			widths.push_back(column_width(column.kind));
		}
	}
	return widths;
}

std::vector<int64_t> TableEncoding::vocabulary_sizes() const {
	std::vector<int64_t> sizes;
	for (const Column &column : columns_) {
		if (column.kind == GraphColumnKind::Categorical) {
			sizes.push_back(int64_t(column.vocabulary.size()) + first_value_index());
		}
	}
	return sizes;
}

std::vector<int64_t> TableEncoding::text_buckets() const {
	std::vector<int64_t> buckets;
	for (const Column &column : columns_) {
		if (column.kind == GraphColumnKind::Text) {
			buckets.push_back(int64_t(column.tokens.size()) + 1); // row 0: never used, keeps indices 1-based
		}
	}
	return buckets;
}

size_t TableEncoding::timestamp_columns() const {
	return std::count_if(columns_.begin(), columns_.end(),
	                     [](const Column &column) { return column.kind == GraphColumnKind::Timestamp; });
}

const GraphColumn &TableEncoding::column_of(const GraphTable &table, const Column &column) const {
	const GraphColumn *found = table.find_column(column.name);
	if (found == nullptr) {
		throw InvalidInputError("column \"" + table_ + "." + column.name +
		                        "\" of the trained RDL model is missing from the graph");
	}
	if (found->kind != column.kind) {
		throw InvalidInputError("column \"" + table_ + "." + column.name + "\" was " + kind_name(column.kind) +
		                        " when the RDL model was trained and is " + kind_name(found->kind) + " now");
	}
	return *found;
}

TableInputs TableEncoding::inputs(const GraphTable &table, const std::vector<int32_t> *rows_of) const {
	if (timed_ && !table.has_time()) {
		throw InvalidInputError("table \"" + table_ + "\" had a time column when the RDL model was trained and "
		                        "has none now");
	}
	const int64_t rows = rows_of ? int64_t(rows_of->size()) : int64_t(table.rows);
	auto graph_row = [rows_of](int64_t row) { return rows_of ? int64_t((*rows_of)[row]) : row; };
	const int64_t width = numeric_width();
	const int64_t categorical = int64_t(vocabulary_sizes().size());
	TableInputs inputs;
	inputs.numeric = torch::zeros({rows, width}, torch::kFloat32);
	inputs.categorical = torch::zeros({rows, categorical}, torch::kInt64);
	float *numeric = inputs.numeric.data_ptr<float>();
	int64_t *codes = inputs.categorical.data_ptr<int64_t>();
	int64_t offset = 0;
	int64_t category = 0;
	for (const Column &column : columns_) {
		const GraphColumn &values = column_of(table, column);
		switch (column.kind) {
		case GraphColumnKind::Numerical:
		case GraphColumnKind::Boolean:
			for (int64_t row = 0; row < rows; ++row) {
				encode_number(values.numbers[graph_row(row)], column.kind, column.mean, column.std, column.low, column.high,
				              numeric + row * width + offset);
			}
			break;
		case GraphColumnKind::Timestamp:
			for (int64_t row = 0; row < rows; ++row) {
				encode_timestamp(values.numbers[graph_row(row)], absolute_year_, column.mean, column.std,
				                 numeric + row * width + offset);
			}
			inputs.timestamps.push_back(&values.numbers);
			break;
		case GraphColumnKind::Categorical: {
			// Codes index this graph's dictionary, whose order depends on the load: map them through strings.
			std::unordered_map<std::string, int64_t> index;
			for (size_t i = 0; i < column.vocabulary.size(); ++i) {
				index.emplace(column.vocabulary[i], int64_t(i) + first_value_index());
			}
			const int64_t missing = distinct_missing_ ? 1 : 0;
			std::vector<int64_t> code_to_index(values.dictionary.size(), 0);
			for (size_t code = 0; code < values.dictionary.size(); ++code) {
				auto it = index.find(values.dictionary[code]);
				code_to_index[code] = it == index.end() ? 0 : it->second;
			}
			for (int64_t row = 0; row < rows; ++row) {
				const int32_t code = values.codes[graph_row(row)];
				codes[row * categorical + category] = code < 0 ? missing : code_to_index[code];
			}
			++category;
			break;
		}
		case GraphColumnKind::Text: {
			TableInputs::Text text;
			text.offsets.reserve(rows + 1);
			text.offsets.push_back(0);
			std::unordered_map<uint32_t, int64_t> index;
			for (size_t i = 0; i < column.tokens.size(); ++i) {
				index.emplace(column.tokens[i], int64_t(i) + 1);
			}
			for (int64_t row = 0; row < rows; ++row) {
				const int64_t source = graph_row(row);
				for (uint32_t i = values.token_offsets[source]; i < values.token_offsets[source + 1]; ++i) {
					auto known = index.find(values.token_hashes[i]);
					if (known != index.end()) {
						text.buckets.push_back(known->second);
					}
				}
				text.offsets.push_back(int64_t(text.buckets.size()));
				if (distinct_missing_) {
					numeric[row * width + offset] = values.text_present[source] ? 0.0f : 1.0f;
				}
			}
			inputs.text.push_back(std::move(text));
			break;
		}
		}
		offset += column_width(column.kind);
	}
	return inputs;
}

} // namespace relml
