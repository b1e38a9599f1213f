#include "pg/catalog/task_rows.hpp"

#include "pg/data/sql_text.hpp"

#include "task/late_observation.hpp"

namespace relml::pg {

const std::vector<size_t> &TaskRows::of(Split split) const {
	return split == Split::Train ? train : split == Split::Val ? val : test;
}

std::vector<double> TaskRows::labels_at(const std::vector<size_t> &positions) const {
	std::vector<double> out;
	out.reserve(positions.size());
	for (size_t position : positions) {
		out.push_back(labels[position]);
	}
	return out;
}

TaskRows read_task_rows(SpiConnection &spi, const TaskInfo &task) {
	SpiResult result = spi.query("SELECT row_id, split, label, entity_key, (extract(epoch FROM seed_time) * 1000000)::int8 "
	                             "FROM relml.task_rows WHERE task_id = $1::int ORDER BY row_id",
	                             {std::to_string(task.task_id)});
	if (result.rows() == 0) {
		throw_training_table_hidden(spi, task);
	}
	TaskRows rows;
	for (size_t r = 0; r < result.rows(); ++r) {
		const std::string split = result.text(r, 1);
		const Split kind = split == "train" ? Split::Train : split == "val" ? Split::Val : Split::Test;
		rows.row_ids.push_back(result.integer(r, 0));
		rows.labels.push_back(result.number(r, 2));
		rows.keys.push_back(result.text(r, 3));
		rows.times.push_back(result.integer(r, 4));
		(kind == Split::Train ? rows.train : kind == Split::Val ? rows.val : rows.test).push_back(r);
	}
	if (task.input_cutoff) {
		std::vector<EpochMicros> val_times, test_times;
		for (size_t position : rows.val) {
			val_times.push_back(rows.times[position]);
		}
		for (size_t position : rows.test) {
			test_times.push_back(rows.times[position]);
		}
		rows.late_val_times =
		    late_validation_times(val_times, test_times, epoch_micros(spi, task.input_cutoff),
		                          epoch_micros(spi, task.val_timestamp), epoch_micros(spi, task.test_timestamp));
	}
	return rows;
}

} // namespace relml::pg
