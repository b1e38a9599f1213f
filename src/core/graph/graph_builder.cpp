#include "graph/graph_builder.hpp"

#include "common/error.hpp"
#include "common/huge_pages.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace relml {

namespace {

// Estimated bytes of one entry of an unordered_map: the node with its key and value, plus its bucket.
constexpr size_t kHashEntryBytes = 48;

// Row: a row of the graph being extended, whose parent is already resolved (values holds the parent row).
enum class KeyKind : uint8_t { Null, Integer, Text, Row };

// The values of one foreign key column, kept until finish() can match them with every parent's keys.
struct ForeignKeyValues {
	std::vector<KeyKind> kinds;         // per row
	std::vector<int64_t> values;        // per row: the key, or for text an index into text_keys
	std::vector<std::string> text_keys; // text keys in row order
};

// What the encoders make of a column of this role; nothing for keys, the time column and ignored columns.
std::optional<GraphColumnKind> feature_kind(ColumnRole role) {
	switch (role) {
	case ColumnRole::Numerical:
		return GraphColumnKind::Numerical;
	case ColumnRole::Categorical:
		return GraphColumnKind::Categorical;
	case ColumnRole::Boolean:
		return GraphColumnKind::Boolean;
	case ColumnRole::Timestamp:
		return GraphColumnKind::Timestamp;
	case ColumnRole::Text:
		return GraphColumnKind::Text;
	default:
		return std::nullopt;
	}
}

// Boolean and Timestamp cells arrive as numbers too (0/1, epoch seconds).
bool holds_numbers(GraphColumnKind kind) {
	return kind == GraphColumnKind::Numerical || kind == GraphColumnKind::Boolean ||
	       kind == GraphColumnKind::Timestamp;
}

// Names the kind in the adapter's error messages.
const char *kind_name(GraphColumnKind kind) {
	switch (kind) {
	case GraphColumnKind::Numerical:
		return "numerical";
	case GraphColumnKind::Categorical:
		return "categorical";
	case GraphColumnKind::Boolean:
		return "boolean";
	case GraphColumnKind::Timestamp:
		return "timestamp";
	case GraphColumnKind::Text:
		return "text";
	}
	return "unknown";
}

// Heap bytes of a string beyond the object itself (short strings live inside it).
size_t string_heap_bytes(std::string_view text) {
	return text.size() < sizeof(std::string) ? 0 : text.size() + 1;
}

// A budget as PostgreSQL shows memory settings, so the message matches what the user set.
std::string format_bytes(size_t bytes) {
	constexpr size_t kKilo = 1024;
	if (bytes % (kKilo * kKilo) == 0) {
		return std::to_string(bytes / (kKilo * kKilo)) + " MB";
	}
	if (bytes % kKilo == 0) {
		return std::to_string(bytes / kKilo) + " kB";
	}
	return std::to_string(bytes) + " bytes";
}

// The bytes the builder holds, checked against the budget every time it grows.
struct MemoryBudget {
	size_t used = 0;
	size_t limit = 0;
	std::string setting;

	// `during` says what was being loaded ("loading table \"results\"") and `remedy` what to register less of.
	void charge(size_t bytes, const std::string &during, const char *remedy) {
		used += bytes;
		if (limit != 0 && used > limit) {
			throw ResourceError("relational graph exceeds " + setting + " (" + format_bytes(limit) + ") while " +
			                    during + "; raise the setting or register fewer " + remedy);
		}
	}
};

// A foreign key between loaded tables: the child table, the loader slot holding its values, the parent table.
struct ForeignKeyLink {
	ForeignKey foreign_key;
	size_t child = 0;
	size_t slot = 0;
	size_t parent = 0;
	size_t unresolved_before = 0; // unresolved children of the graph being extended
};

} // namespace

struct GraphBuilder::TableLoader::State {
	const TableLayout &layout;
	MemoryBudget &budget;
	std::string loading; // "loading table \"name\"", for the budget message
	GraphTable table;
	IntegerKeyIndex rows_by_int_key;
	std::unordered_map<std::string, int32_t> rows_by_text_key;
	std::vector<ForeignKeyValues> foreign_keys; // per slot
	std::vector<std::unordered_map<std::string, int32_t>> category_codes; // per feature column
	size_t bytes_per_row = 0;

	// Empty columns of the right kind, and what every appended row costs, so rows can be charged as they come.
	State(const TableLayout &table_layout, MemoryBudget &memory_budget)
	    : layout(table_layout), budget(memory_budget), loading("loading table \"" + table_layout.table + "\"") {
		table.name = layout.table;
		foreign_keys.resize(layout.foreign_keys.size());
		category_codes.resize(layout.feature_columns.size());
		bytes_per_row = layout.time_column.empty() ? 0 : sizeof(EpochMicros);
		bytes_per_row += layout.foreign_keys.size() * (sizeof(KeyKind) + sizeof(int64_t));
		for (auto &column : layout.feature_columns) {
			GraphColumn graph_column;
			graph_column.name = column.name;
			graph_column.kind = *feature_kind(column.role);
			if (graph_column.kind == GraphColumnKind::Categorical) {
				bytes_per_row += sizeof(int32_t);
			} else if (graph_column.kind == GraphColumnKind::Text) {
				graph_column.token_offsets.push_back(0);
				bytes_per_row += sizeof(uint32_t) + sizeof(uint8_t);
			} else {
				bytes_per_row += sizeof(double);
			}
			table.columns.push_back(std::move(graph_column));
		}
	}

	// The row whose primary key `values` holds at `row`, or -1 when it is NULL or matches no key of this table.
	int32_t referenced_row(const ForeignKeyValues &values, size_t row) const {
		switch (values.kinds[row]) {
		case KeyKind::Integer: {
			return rows_by_int_key.find(values.values[row]);
		}
		case KeyKind::Text: {
			auto it = rows_by_text_key.find(values.text_keys[values.values[row]]);
			return it == rows_by_text_key.end() ? -1 : it->second;
		}
		case KeyKind::Row:
			return static_cast<int32_t>(values.values[row]);
		case KeyKind::Null:
			break;
		}
		return -1;
	}

	// Setters write into the row begin_row() opened; calling one before is a bug of the adapter.
	size_t current_row(const char *setter) const {
		if (table.rows == 0) {
			throw InternalError(std::string(setter) + " before begin_row() on table \"" + table.name + "\"");
		}
		return table.rows - 1;
	}

	// Column and slot numbers come from the layout; one out of range is a bug of the adapter too.
	GraphColumn &column(size_t index, const char *setter) {
		if (index >= table.columns.size()) {
			throw InternalError(std::string(setter) + ": table \"" + table.name + "\" has " +
			                    std::to_string(table.columns.size()) + " feature columns, not " +
			                    std::to_string(index + 1));
		}
		return table.columns[index];
	}

	ForeignKeyValues &foreign_key(size_t slot) {
		if (slot >= foreign_keys.size()) {
			throw InternalError("set_foreign_key: table \"" + table.name + "\" has " +
			                    std::to_string(foreign_keys.size()) + " foreign keys, not " +
			                    std::to_string(slot + 1));
		}
		return foreign_keys[slot];
	}

	// A key held twice would make every child's parent ambiguous. Its text is only built then: keys arrive by
	// the million.
	[[noreturn]] void duplicate_key(const std::string &key_text) const {
		throw InvalidInputError("primary key column \"" + layout.primary_key + "\" of table \"" + table.name +
		                        "\" holds the value " + key_text + " twice; relml links rows through unique keys");
	}

	// Everything a row adds counts against the budget of the whole graph.
	void charge(size_t bytes) {
		budget.charge(bytes, loading, "columns");
	}
};

struct GraphBuilder::Impl {
	MemoryBudget budget;
	std::vector<TableLayout> layouts;
	std::vector<std::unique_ptr<TableLoader::State>> states;
	std::vector<TableLoader> loaders;
	std::vector<ForeignKeyLink> links;
	// Extending: the graph's adjacencies and each table's rows before, so that finish() keeps the adjacencies of
	// foreign keys whose tables gained no rows.
	std::vector<Adjacency> previous_adjacencies;
	std::vector<size_t> previous_rows;
	bool finished = false;
};

namespace {

// Tables are addressed by name by the adapter and by position everywhere else.
size_t table_position(const std::vector<TableLayout> &layouts, const std::string &name) {
	for (size_t i = 0; i < layouts.size(); ++i) {
		if (layouts[i].table == name) {
			return i;
		}
	}
	throw NotFoundError("table \"" + name + "\" is not in the relational graph");
}

// The columns the adapter selects for `table`: keys and time for structure, feature roles for the encoders.
TableLayout layout_of(const SchemaGraph &schema, const Table &table) {
	TableLayout layout;
	layout.table = table.name;
	layout.primary_key = table.primary_key;
	layout.time_column = table.time_column;
	for (auto &fk : schema.foreign_keys()) {
		if (fk.table == table.name) {
			layout.foreign_keys.push_back(fk.column);
		}
	}
	for (auto &column : table.columns) {
		if (feature_kind(column.role)) {
			layout.feature_columns.push_back(column);
		}
	}
	return layout;
}

} // namespace

// Everything the loaders need is fixed up front, so that tables may then arrive in any order.
GraphBuilder::GraphBuilder(const SchemaGraph &schema, GraphBuildOptions options) : impl_(std::make_unique<Impl>()) {
	impl_->budget.limit = options.memory_budget_bytes;
	impl_->budget.setting = std::move(options.budget_setting);
	for (auto &table : schema.tables()) {
		impl_->layouts.push_back(layout_of(schema, table));
	}
	// Layouts first: states point into the vector, which must not grow afterwards.
	for (auto &layout : impl_->layouts) {
		impl_->states.push_back(std::make_unique<TableLoader::State>(layout, impl_->budget));
		impl_->loaders.push_back(TableLoader(impl_->states.back().get()));
	}
	std::vector<size_t> slots(impl_->layouts.size(), 0);
	for (auto &fk : schema.foreign_keys()) {
		ForeignKeyLink link;
		link.foreign_key = fk;
		link.child = table_position(impl_->layouts, fk.table);
		link.slot = slots[link.child]++;
		link.parent = table_position(impl_->layouts, fk.referenced_table);
		impl_->links.push_back(std::move(link));
	}
}

// The graph's tables and keys become the loaders' own, and each child row's resolved parent stands in for the
// foreign key value it was resolved from, so that finish() links old and new rows alike.
GraphBuilder::GraphBuilder(const SchemaGraph &schema, GraphBuildOptions options, RelGraph graph,
                           std::vector<TableKeys> keys)
    : GraphBuilder(schema, std::move(options)) {
	if (graph.tables.size() != impl_->layouts.size() || keys.size() != impl_->layouts.size() ||
	    graph.adjacencies.size() != 2 * impl_->links.size()) {
		throw InternalError("the relational graph to extend was not built from this schema");
	}
	impl_->budget.charge(graph.memory_bytes(), "extending the relational graph", "tables");
	for (size_t t = 0; t < impl_->states.size(); ++t) {
		TableLoader::State &state = *impl_->states[t];
		if (graph.tables[t].name != state.layout.table) {
			throw InternalError("the relational graph to extend has table \"" + graph.tables[t].name + "\" where \"" +
			                    state.layout.table + "\" was expected");
		}
		state.table = std::move(graph.tables[t]);
		state.rows_by_int_key = std::move(keys[t].integers);
		state.rows_by_text_key = std::move(keys[t].texts);
		state.charge(state.rows_by_int_key.memory_bytes() + state.rows_by_text_key.size() * kHashEntryBytes);
		for (size_t c = 0; c < state.table.columns.size(); ++c) {
			const std::vector<std::string> &dictionary = state.table.columns[c].dictionary;
			for (size_t code = 0; code < dictionary.size(); ++code) {
				state.category_codes[c].emplace(dictionary[code], static_cast<int32_t>(code));
			}
		}
		for (ForeignKeyValues &values : state.foreign_keys) {
			values.kinds.assign(state.table.rows, KeyKind::Null);
			values.values.assign(state.table.rows, 0);
		}
	}
	for (size_t l = 0; l < impl_->links.size(); ++l) {
		ForeignKeyLink &link = impl_->links[l];
		const Adjacency &forward = graph.adjacencies[2 * l];
		ForeignKeyValues &values = impl_->states[link.child]->foreign_keys[link.slot];
		for (size_t row = 0; row < values.kinds.size(); ++row) {
			if (forward.degree(static_cast<int32_t>(row)) > 0) {
				values.kinds[row] = KeyKind::Row;
				values.values[row] = forward.neighbors[forward.offsets[row]];
			}
		}
		link.unresolved_before = forward.unresolved;
	}
	for (const auto &state : impl_->states) {
		impl_->previous_rows.push_back(state->table.rows);
	}
	impl_->previous_adjacencies = std::move(graph.adjacencies);
}

GraphBuilder::~GraphBuilder() = default;

bool GraphBuilder::can_append(const RelGraph &graph, int table) {
	for (const Adjacency &adjacency : graph.adjacencies) {
		if (!adjacency.reverse && adjacency.to_table == table && adjacency.unresolved > 0) {
			return false;
		}
	}
	return true;
}

const std::vector<TableLayout> &GraphBuilder::layouts() const {
	return impl_->layouts;
}

// The adapter streams each table through its loader; references stay valid until finish().
GraphBuilder::TableLoader &GraphBuilder::table(const std::string &name) {
	if (impl_->finished) {
		throw InternalError("GraphBuilder::table(\"" + name + "\") after finish()");
	}
	return impl_->loaders[table_position(impl_->layouts, name)];
}

// Includes what only building needs (key lookups, unresolved foreign keys): the peak, not the finished graph.
size_t GraphBuilder::memory_bytes() const {
	return impl_->budget.used;
}

// Opens a row with every cell NULL, so the adapter only calls setters for the values it has.
void GraphBuilder::TableLoader::begin_row() {
	GraphTable &table = state_->table;
	if (table.rows >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
		throw ResourceError("table \"" + table.name + "\" has more rows than the relational graph can hold (" +
		                    std::to_string(std::numeric_limits<int32_t>::max()) + ")");
	}
	state_->charge(state_->bytes_per_row);
	if (!state_->layout.time_column.empty()) {
		table.times.push_back(kUnknownTime);
	}
	for (auto &fk : state_->foreign_keys) {
		fk.kinds.push_back(KeyKind::Null);
		fk.values.push_back(0);
	}
	for (auto &column : table.columns) {
		if (column.kind == GraphColumnKind::Categorical) {
			column.codes.push_back(-1);
		} else if (column.kind == GraphColumnKind::Text) {
			column.token_offsets.push_back(static_cast<uint32_t>(column.token_hashes.size()));
			column.text_present.push_back(0);
		} else {
			column.numbers.push_back(std::numeric_limits<double>::quiet_NaN());
		}
	}
	++table.rows;
}

// Growing the key index rehashes every key it holds: at 10 million rows that was a tenth of a load.
void GraphBuilder::TableLoader::reserve(size_t rows) {
	const MemoryBudget &budget = state_->budget;
	const size_t row_bytes =
	    state_->bytes_per_row + (state_->layout.primary_key.empty() ? 0 : IntegerKeyIndex::kBytesPerKey);
	if (budget.limit != 0 && row_bytes > 0) {
		rows = std::min(rows, (budget.limit - std::min(budget.used, budget.limit)) / row_bytes);
	}
	GraphTable &table = state_->table;
	if (!state_->layout.time_column.empty()) {
		reserve_on_huge_pages(table.times, table.rows + rows);
	}
	for (auto &fk : state_->foreign_keys) {
		reserve_on_huge_pages(fk.kinds, fk.kinds.size() + rows);
		reserve_on_huge_pages(fk.values, fk.values.size() + rows);
	}
	for (auto &column : table.columns) {
		if (column.kind == GraphColumnKind::Categorical) {
			reserve_on_huge_pages(column.codes, table.rows + rows);
		} else if (column.kind != GraphColumnKind::Text) {
			reserve_on_huge_pages(column.numbers, table.rows + rows);
		}
	}
	if (!state_->layout.primary_key.empty()) {
		state_->rows_by_int_key.reserve(rows);
	}
}

// Children reference the row through this key once the graph is finished.
void GraphBuilder::TableLoader::set_primary_key(int64_t key) {
	auto row = static_cast<int32_t>(state_->current_row("set_primary_key"));
	const size_t before = state_->rows_by_int_key.memory_bytes();
	if (!state_->rows_by_int_key.insert(key, row)) {
		state_->duplicate_key(std::to_string(key));
	}
	// The index grows by whole reservations of its window and by hash map entries: charged as they come.
	state_->charge(state_->rows_by_int_key.memory_bytes() - before);
}

void GraphBuilder::TableLoader::set_primary_key(std::string_view key) {
	auto row = static_cast<int32_t>(state_->current_row("set_primary_key"));
	state_->charge(kHashEntryBytes + string_heap_bytes(key));
	if (!state_->rows_by_text_key.emplace(std::string(key), row).second) {
		state_->duplicate_key("\"" + std::string(key) + "\"");
	}
}

// Kept as a key until finish(), because the referenced table may not be loaded yet.
void GraphBuilder::TableLoader::set_foreign_key(size_t slot, int64_t key) {
	size_t row = state_->current_row("set_foreign_key");
	ForeignKeyValues &values = state_->foreign_key(slot);
	values.kinds[row] = KeyKind::Integer;
	values.values[row] = key;
}

void GraphBuilder::TableLoader::set_foreign_key(size_t slot, std::string_view key) {
	size_t row = state_->current_row("set_foreign_key");
	ForeignKeyValues &values = state_->foreign_key(slot);
	state_->charge(sizeof(std::string) + string_heap_bytes(key));
	values.kinds[row] = KeyKind::Text;
	values.values[row] = static_cast<int64_t>(values.text_keys.size());
	values.text_keys.emplace_back(key);
}

// The row's time; rows never given one keep kUnknownTime and are never sampled.
void GraphBuilder::TableLoader::set_time(EpochMicros time) {
	size_t row = state_->current_row("set_time");
	if (state_->table.times.empty()) {
		throw InternalError("set_time on table \"" + state_->table.name + "\", which has no time column");
	}
	state_->table.times[row] = time;
}

// NaN stays missing: the encoders impute it.
void GraphBuilder::TableLoader::set_number(size_t column, double value) {
	size_t row = state_->current_row("set_number");
	GraphColumn &target = state_->column(column, "set_number");
	if (!holds_numbers(target.kind)) {
		throw InternalError("set_number on " + std::string(kind_name(target.kind)) + " column \"" + target.name +
		                    "\" of table \"" + state_->table.name + "\"");
	}
	if (!std::isfinite(value)) {
		++target.non_finite;
		value = std::nan("");
	}
	target.numbers[row] = value;
}

// Codes follow the order values are first seen; the encoders build their vocabularies from the codes.
void GraphBuilder::TableLoader::set_category(size_t column, std::string_view value) {
	size_t row = state_->current_row("set_category");
	GraphColumn &target = state_->column(column, "set_category");
	if (target.kind != GraphColumnKind::Categorical) {
		throw InternalError("set_category on " + std::string(kind_name(target.kind)) + " column \"" +
		                    target.name + "\" of table \"" + state_->table.name + "\"");
	}
	auto &codes = state_->category_codes[column];
	auto next_code = static_cast<int32_t>(target.dictionary.size());
	auto entry = codes.emplace(std::string(value), next_code);
	if (entry.second) {
		// The value is held twice: in the dictionary and as the key of the lookup.
		state_->charge(2 * (sizeof(std::string) + string_heap_bytes(value)) + kHashEntryBytes);
		target.dictionary.emplace_back(value);
	}
	target.codes[row] = entry.first->second;
}

// Replaces the row's tokens, so only the row just begun may be set.
void GraphBuilder::TableLoader::set_text(size_t column, std::string_view value) {
	size_t row = state_->current_row("set_text");
	GraphColumn &target = state_->column(column, "set_text");
	if (target.kind != GraphColumnKind::Text) {
		throw InternalError("set_text on " + std::string(kind_name(target.kind)) + " column \"" + target.name +
		                    "\" of table \"" + state_->table.name + "\"");
	}
	std::vector<uint32_t> tokens = hash_tokens(value);
	size_t kept = target.token_offsets[row];
	if (kept + tokens.size() > std::numeric_limits<uint32_t>::max()) {
		throw ResourceError("text column \"" + target.name + "\" of table \"" + state_->table.name +
		                    "\" holds more tokens than the relational graph can index (" +
		                    std::to_string(std::numeric_limits<uint32_t>::max()) + ")");
	}
	size_t replaced = target.token_hashes.size() - kept;
	if (tokens.size() > replaced) {
		state_->charge((tokens.size() - replaced) * sizeof(uint32_t));
	}
	target.token_hashes.resize(kept);
	target.token_hashes.insert(target.token_hashes.end(), tokens.begin(), tokens.end());
	target.token_offsets[row + 1] = static_cast<uint32_t>(target.token_hashes.size());
	target.text_present[row] = 1;
}

// The adapter numbers rows by it (the row just begun is rows() - 1).
size_t GraphBuilder::TableLoader::rows() const {
	return state_->table.rows;
}

bool GraphBuilder::TableLoader::has_key(int64_t key) const {
	return state_->rows_by_int_key.contains(key);
}

bool GraphBuilder::TableLoader::has_key(std::string_view key) const {
	return state_->rows_by_text_key.count(std::string(key)) > 0;
}

namespace {

// Child row -> the parent row it references: at most one neighbour per row, `edges` in all.
Adjacency forward_adjacency(const std::vector<int32_t> &parent_of, const GraphTable &parent, size_t edges) {
	Adjacency adjacency;
	reserve_on_huge_pages(adjacency.offsets, parent_of.size() + 1);
	reserve_on_huge_pages(adjacency.neighbors, edges);
	reserve_on_huge_pages(adjacency.neighbor_times, edges);
	adjacency.offsets.push_back(0);
	for (int32_t parent_row : parent_of) {
		if (parent_row >= 0) {
			adjacency.neighbors.push_back(parent_row);
			adjacency.neighbor_times.push_back(parent.time_of(parent_row));
		}
		adjacency.offsets.push_back(static_cast<int64_t>(adjacency.neighbors.size()));
	}
	return adjacency;
}

// Parent row -> its children, sorted by time and then row, so the eligible ones are a prefix.
Adjacency reverse_adjacency(const std::vector<int32_t> &parent_of, const GraphTable &parent,
                            const GraphTable &child) {
	Adjacency adjacency;
	reserve_on_huge_pages(adjacency.offsets, parent.rows + 1);
	adjacency.offsets.assign(parent.rows + 1, 0);
	for (int32_t parent_row : parent_of) {
		if (parent_row >= 0) {
			++adjacency.offsets[parent_row + 1];
		}
	}
	for (size_t r = 0; r < parent.rows; ++r) {
		adjacency.offsets[r + 1] += adjacency.offsets[r];
	}
	reserve_on_huge_pages(adjacency.neighbors, adjacency.offsets.back());
	adjacency.neighbors.resize(adjacency.offsets.back());
	std::vector<int64_t> fill;
	reserve_on_huge_pages(fill, parent.rows);
	fill.assign(adjacency.offsets.begin(), adjacency.offsets.end() - 1);
	for (size_t child_row = 0; child_row < parent_of.size(); ++child_row) {
		if (parent_of[child_row] >= 0) {
			adjacency.neighbors[fill[parent_of[child_row]]++] = static_cast<int32_t>(child_row);
		}
	}
	fill = {};
	if (child.has_time()) {
		const auto earlier = [&](int32_t a, int32_t b) { return child.times[a] < child.times[b]; };
		for (size_t r = 0; r < parent.rows; ++r) {
			// Rows are already ascending, so a stable sort by time alone breaks ties by row. Tables stored in
			// time order need none, and std::stable_sort allocates a buffer per call.
			const auto first = adjacency.neighbors.begin() + adjacency.offsets[r];
			const auto last = adjacency.neighbors.begin() + adjacency.offsets[r + 1];
			if (!std::is_sorted(first, last, earlier)) {
				std::stable_sort(first, last, earlier);
			}
		}
	}
	reserve_on_huge_pages(adjacency.neighbor_times, adjacency.neighbors.size());
	for (int32_t child_row : adjacency.neighbors) {
		adjacency.neighbor_times.push_back(child.time_of(child_row));
	}
	return adjacency;
}

} // namespace

namespace {

// A kept reverse adjacency (parent -> children) gets an empty neighbour list for each row its parent gained.
void grow_reverse(Adjacency &reverse, size_t parent_rows) {
	reverse.offsets.resize(parent_rows + 1, reverse.offsets.back());
}

} // namespace

// Links every foreign key both ways, charging each adjacency before it is built: this is the peak, when
// the tables, the keys and the adjacencies are all held at once. Extending, a foreign key whose child table
// gained no rows keeps its adjacencies: no edge can have appeared (its parents' new rows have no children yet).
RelGraph GraphBuilder::finish(std::vector<TableKeys> *keys) {
	if (impl_->finished) {
		throw InternalError("GraphBuilder::finish() called twice");
	}
	impl_->finished = true;
	RelGraph graph;
	for (auto &state : impl_->states) {
		graph.tables.push_back(std::move(state->table));
	}
	for (size_t l = 0; l < impl_->links.size(); ++l) {
		const ForeignKeyLink &link = impl_->links[l];
		if (!impl_->previous_adjacencies.empty() &&
		    graph.tables[link.child].rows == impl_->previous_rows[link.child]) {
			Adjacency forward = std::move(impl_->previous_adjacencies[2 * l]);
			Adjacency reverse = std::move(impl_->previous_adjacencies[2 * l + 1]);
			grow_reverse(reverse, graph.tables[link.parent].rows);
			graph.adjacencies.push_back(std::move(forward));
			graph.adjacencies.push_back(std::move(reverse));
			continue;
		}
		const GraphTable &child = graph.tables[link.child];
		const GraphTable &parent = graph.tables[link.parent];
		const ForeignKeyValues &values = impl_->states[link.child]->foreign_keys[link.slot];
		std::vector<int32_t> parent_of;
		reserve_on_huge_pages(parent_of, child.rows);
		parent_of.resize(child.rows);
		size_t edges = 0;
		size_t unresolved = link.unresolved_before;
		for (size_t row = 0; row < child.rows; ++row) {
			parent_of[row] = impl_->states[link.parent]->referenced_row(values, row);
			edges += parent_of[row] >= 0 ? 1 : 0;
			unresolved += parent_of[row] < 0 && values.kinds[row] != KeyKind::Null ? 1 : 0;
		}
		std::string name = link.foreign_key.table + "." + link.foreign_key.column;
		size_t edge_bytes = edges * (sizeof(int32_t) + sizeof(EpochMicros));
		size_t bytes = (child.rows + parent.rows + 2) * sizeof(int64_t) + 2 * edge_bytes;
		impl_->budget.charge(bytes, "linking foreign key " + name, "tables");

		Adjacency forward = forward_adjacency(parent_of, parent, edges);
		Adjacency reverse = reverse_adjacency(parent_of, parent, child);
		forward.name = name;
		forward.unresolved = unresolved;
		forward.from_table = static_cast<int>(link.child);
		forward.to_table = static_cast<int>(link.parent);
		reverse.name = name + " (reverse)";
		reverse.from_table = static_cast<int>(link.parent);
		reverse.to_table = static_cast<int>(link.child);
		reverse.reverse = true;
		for (Adjacency *adjacency : {&forward, &reverse}) {
			adjacency->fk_table = link.foreign_key.table;
			adjacency->fk_column = link.foreign_key.column;
		}
		graph.adjacencies.push_back(std::move(forward));
		graph.adjacencies.push_back(std::move(reverse));
	}
	if (keys) {
		keys->clear();
		for (auto &state : impl_->states) {
			keys->push_back({std::move(state->rows_by_int_key), std::move(state->rows_by_text_key)});
		}
	}
	impl_->states.clear();
	impl_->loaders.clear();
	return graph;
}

// Words of free text as the Text encoder sees them: case and punctuation do not matter.
std::vector<uint32_t> hash_tokens(std::string_view text) {
	constexpr uint32_t kOffsetBasis = 2166136261u;
	constexpr uint32_t kPrime = 16777619u;
	std::vector<uint32_t> hashes;
	uint32_t hash = kOffsetBasis;
	bool in_token = false;
	for (char c : text) {
		bool lower = c >= 'a' && c <= 'z';
		bool upper = c >= 'A' && c <= 'Z';
		bool digit = c >= '0' && c <= '9';
		if (lower || upper || digit) {
			char folded = upper ? static_cast<char>(c - 'A' + 'a') : c;
			hash = (hash ^ static_cast<uint8_t>(folded)) * kPrime;
			in_token = true;
		} else if (in_token) {
			hashes.push_back(hash);
			hash = kOffsetBasis;
			in_token = false;
		}
	}
	if (in_token) {
		hashes.push_back(hash);
	}
	return hashes;
}

} // namespace relml
