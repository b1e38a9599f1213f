-- Task signals: computed from train+val rows and the schema before any training, stored, and explained.
SET client_min_messages = warning;

-- A tiny league: players 1-4 always win, 5-8 never do; winners play game 1 together, losers game 2, and every
-- team pairs a winner with a loser. Player 9 only shows up in the test period.
CREATE SCHEMA league;
CREATE TABLE league.players (player_id int PRIMARY KEY);
CREATE TABLE league.teams (team_id int PRIMARY KEY);
CREATE TABLE league.games (game_id int PRIMARY KEY, played_at timestamp);
CREATE TABLE league.plays (play_id int PRIMARY KEY, player_id int REFERENCES league.players,
                           game_id int REFERENCES league.games, team_id int REFERENCES league.teams,
                           played_at timestamp);
INSERT INTO league.players SELECT generate_series(1, 9);
INSERT INTO league.teams SELECT generate_series(1, 4);
INSERT INTO league.games VALUES (1, '2024-01-15'), (2, '2024-01-15');
INSERT INTO league.plays SELECT p, p, CASE WHEN p <= 4 THEN 1 ELSE 2 END, (p - 1) % 4 + 1, '2024-01-15'
FROM generate_series(1, 8) p;
SELECT relml.register_database('league', 'league') ? 'tables' AS registered;

CREATE TABLE league_rows AS
SELECT p AS entity_key, s.seed_time::timestamp AS seed_time, (p <= 4)::int AS label, s.split
FROM generate_series(1, 8) p,
     (VALUES ('2024-01-01', 'train'), ('2024-02-01', 'train'), ('2024-03-01', 'val'), ('2024-04-01', 'test')) s (seed_time, split)
UNION ALL SELECT 9, '2024-04-01', 1, 'test';
SELECT relml.create_task_from_table('league_win', 'league', 'players', 'binary', 'league_rows', '30 days',
                                    '2024-03-15')->'splits'->'train' AS train;
CREATE TABLE league_points AS SELECT entity_key, seed_time, entity_key * 10.0 + extract(month FROM seed_time) AS label,
                                     split FROM league_rows;
SELECT relml.create_task_from_table('league_points', 'league', 'players', 'regression', 'league_points',
                                    '30 days')->'splits'->'train' AS train;

-- Game path h_adj = 1 (12 same-class pairs), team path -1 (4 cross pairs): mean 0, weighted by pairs 0.5.
-- Labels never change within a player (lag correlations 1). Seeds of February see their game and team mates'
-- January rows (4 of 5 share the label), January seeds see nothing (sparsity 0.5). Player 9 is the one test
-- entity without history before the cutoff; test seeds come 17 days after it, 17/30 of a horizon.
SELECT signal, round(value::numeric, 3) AS value FROM relml.task_signals('league_win');
SELECT signal, meaning FROM relml.task_signals('league_win') WHERE signal IN ('homophily_mean', 'cold_start_test_share');

-- Regression: Pearson homophily of mean labels; no input cutoff, so no observation gap.
SELECT signal, round(value::numeric, 3) AS value FROM relml.task_signals('league_points')
WHERE signal LIKE 'homophily%' OR signal IN ('context_label_correlation', 'context_same_label_share_mean',
                                             'observation_gap', 'majority_class_share');

-- Stored once, read back unchanged; refresh recomputes; dropping the task drops them.
SELECT count(*) AS stored, bool_and(seconds >= 0) AS timed, bool_and(signals ? 'paths') AS has_paths
FROM relml.task_signals JOIN relml.tasks USING (task_id) WHERE name LIKE 'league%';
SELECT (SELECT computed_at FROM relml.task_signals JOIN relml.tasks USING (task_id) WHERE name = 'league_win') AS before
\gset
SELECT count(*) AS signals FROM relml.task_signals('league_win');
SELECT computed_at = :'before' AS unchanged FROM relml.task_signals JOIN relml.tasks USING (task_id) WHERE name = 'league_win';
SELECT round(value::numeric, 3) AS refreshed_mean FROM relml.task_signals('league_win', refresh => true)
WHERE signal = 'homophily_mean';
SELECT relml.drop_task('league_points');
SELECT count(*) AS stored FROM relml.task_signals JOIN relml.tasks USING (task_id) WHERE name LIKE 'league%';

-- Errors name the problem (the list of existing tasks depends on the earlier files: cut it off).
DO $$ BEGIN PERFORM relml.task_signals('no_such_task');
EXCEPTION WHEN undefined_object THEN RAISE WARNING '%', split_part(SQLERRM, ' (', 1); END $$;
SELECT * FROM relml.task_signals(NULL);
