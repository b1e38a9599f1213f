// SQL of the seed relation every prediction and DFS feature query reads: pg_temp.relml_seeds (row_id,
// entity_key, seed_time, obs_time), obs_time being the seed time capped at the task's input cutoff.
#pragma once

#include "common/no_postgres.hpp"

#include <string>

namespace relml {

// The seed relation's name.
constexpr const char *kSeedTable = "pg_temp.relml_seeds";

// Creates the (empty) seed relation with entity keys of type `key_type`, dropped at commit.
std::string create_seed_table_sql(const std::string &key_type);

// Fills the seed relation from `select_sql`, which returns (row_id, entity_key, seed_time) and may use
// parameters $1..$(n-1); $n is the input cutoff (timestamp, NULL for none).
std::string fill_seed_table_sql(const std::string &select_sql, const std::string &key_type, int cutoff_parameter);

// Adds copies of seeds observed at other times: $1 their row ids, $2 the row ids of the seeds they copy, $3 their
// observation times in microseconds since 1970 (all int8[] of one length).
std::string add_seed_copies_sql();

// Refreshes the planner's statistics of the filled seed relation.
std::string analyze_seed_table_sql();

// The seeds' row ids in order.
std::string seed_row_ids_sql();

// The seeds in row_id order: row_id, entity_key as text, seed_time as text, seed_time in microseconds since 1970,
// obs_time as text and in microseconds.
std::string read_seeds_sql();

// A seed relation of one seed and no table (a prediction of one entity creates nothing): $1..$4 are its row_id,
// entity_key (cast to `key_type`), seed_time and obs_time.
std::string single_seed_relation_sql(const std::string &key_type);

// One seed given as text, checked and read back as read_seeds_sql reads seeds (from entity_key on): $1 the entity
// key (cast to `key_type`), $2 the seed time, $3 the input cutoff (NULL for none).
std::string single_seed_sql(const std::string &key_type);

// One boolean: whether entity $1 (cast to `key_type`) exists in `entity_table` (keyed by `key_column`).
std::string entity_exists_sql(const std::string &schema, const std::string &entity_table,
                              const std::string &key_column, const std::string &key_type);

// One row: how many seeds name an entity missing from `entity_table` (keyed by `key_column`) of `schema`, and
// the smallest such key as text.
std::string unknown_entities_sql(const std::string &schema, const std::string &entity_table,
                                 const std::string &key_column);

// One row: the earliest seed time as text.
std::string earliest_seed_sql();

// No rows, the columns of the user's seeds query (predict_batch), for checking its shape.
std::string seeds_query_shape_sql(const std::string &seeds_query);

// The user's seeds query (entity key, as_of) numbered as (row_id, entity key, as_of).
std::string numbered_seeds_sql(const std::string &seeds_query);

// A task's rows as seeds, with the task id as $1.
std::string task_seeds_sql();

} // namespace relml
