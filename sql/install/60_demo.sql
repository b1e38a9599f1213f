-- The demo database: a synthetic, temporal e-commerce schema that relml owns, so that the README, the tests and
-- the benchmarks have a realistic relational database with planted, learnable dynamics and a known ground truth.
-- See docs/demo.md for the schema and the dynamics.
--
-- Determinism: no random() and no setseed(). Every random number is a hash of (seed, row id, stream), where the
-- stream names the purpose of the draw, so the same seed gives the same tables whatever the plan, the parallelism
-- or the row order. Stream numbers are below 32768 (relml._demo_normal uses stream + 32768 for its second draw).
-- Generation is set-based (generate_series, joins, window functions), so scale 1000 (tens of millions of rows)
-- works without row-by-row loops.

-- A uniform number in [0, 1) for (id, seed, stream). An SQL function so that the planner inlines it: it runs once
-- per generated row and per draw. The 53 low bits of the 64-bit hash fill a float8 mantissa exactly.
CREATE FUNCTION relml._demo_uniform(id bigint, seed int, stream int)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT (hashint8extended(id, (seed::bigint << 16) + stream) & 9007199254740991)::float8
	       / 9007199254740992.0::float8
$$;

-- A standard normal number for (id, seed, stream), by Box-Muller from two independent uniforms: the demo's latent
-- traits and noise are Gaussian. 1 - u lies in (0, 1], so ln never sees zero.
CREATE FUNCTION relml._demo_normal(id bigint, seed int, stream int)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT sqrt(-2.0::float8 * ln(1.0::float8 - relml._demo_uniform(id, seed, stream)))
	       * cos(2.0::float8 * pi() * relml._demo_uniform(id, seed, stream + 32768))
$$;

-- The number of events of a Poisson process with mean lambda, by inversion of the CDF at u in [0, 1): order counts
-- per customer and month must be counts, zero-heavy when the rate is low. Meant for the demo's small rates; the
-- mean is capped at 100 so that exp(-lambda) stays a normal float8.
CREATE FUNCTION relml._demo_poisson(lambda float8, u float8)
RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	mean float8 := least(lambda, 100);
	k    int := 0;
	p    float8;
	cdf  float8;
BEGIN
	IF mean <= 0 THEN
		RETURN 0;
	END IF;
	p := exp(-mean);
	cdf := p;
	WHILE u >= cdf AND k < 1000 LOOP
		k := k + 1;
		p := p * mean / k;
		cdf := cdf + p;
	END LOOP;
	RETURN k;
END
$$;

-- A geometric count (0, 1, 2, ...) with the given mean, in closed form: cheap enough for every order item
-- (items per order, quantities), with the long tail that real baskets have.
CREATE FUNCTION relml._demo_geometric(mean float8, u float8)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN mean <= 0 THEN 0
	            ELSE floor(ln(1.0::float8 - u) / ln(mean / (1.0::float8 + mean)))::int END
$$;

-- One product of a category, drawn with a power-law popularity: products are listed per category by decreasing
-- popularity (by_cat, with the offset and count of each category), and u^2 favours the head of the list. A product
-- not yet launched at time t is replaced by a draw among the launch catalogue (products launched on 2023-01-01),
-- so that no order ever contains a product before its launch.
CREATE FUNCTION relml._demo_choose_product(category int, t timestamp, u_rank float8, u_fallback float8,
	by_cat bigint[], cat_off int[], cat_cnt int[], init_by_cat bigint[], init_off int[], init_cnt int[],
	launched timestamp[])
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN launched[by_cat[cat_off[category] + 1 + least(cat_cnt[category] - 1,
	                                  floor(cat_cnt[category] * u_rank * u_rank)::int)]] <= t
	            THEN by_cat[cat_off[category] + 1 + least(cat_cnt[category] - 1,
	                          floor(cat_cnt[category] * u_rank * u_rank)::int)]
	            ELSE init_by_cat[init_off[category] + 1 + least(init_cnt[category] - 1,
	                          floor(init_cnt[category] * u_fallback * u_fallback)::int)] END
$$;

-- One word of a review, drawn from a small vocabulary whose sentiment follows the rating: text columns of the demo
-- carry signal (a model that reads words can tell a 1-star review from a 5-star one), but noisily.
CREATE FUNCTION relml._demo_review_word(rating int, u_sentiment float8, u_word float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN u_sentiment < 0.05 + 0.4 * greatest(0, 3 - rating)
		THEN (ARRAY['broken', 'late', 'poor', 'disappointed', 'refund', 'flimsy', 'returned', 'waste'])
		     [1 + floor(8 * u_word)::int]
		WHEN u_sentiment > 0.95 - 0.4 * greatest(0, rating - 3)
		THEN (ARRAY['great', 'love', 'excellent', 'perfect', 'fast', 'recommend', 'sturdy', 'happy'])
		     [1 + floor(8 * u_word)::int]
		ELSE (ARRAY['ok', 'fine', 'average', 'expected', 'decent', 'price', 'delivery', 'size'])
		     [1 + floor(8 * u_word)::int]
	END
$$;

-- Generates the demo database into target_schema, replacing the five demo tables if they exist, and returns the
-- row count of each table. scale 1.0: 2,000 customers, 200 products, about 30,000 orders over 2023-2024; rows grow
-- linearly with scale (at least 40 products). The same (scale, seed) always gives the same rows.
--
-- The generative story (docs/demo.md has the details), in the order of the steps below:
--   1. customers: signup time, region, segment, birth year, newsletter, and latent traits: base engagement,
--      favourite category, rating bias and a latent churn time (earlier for low engagement);
--   2. products: category, brand (with a latent brand quality), price, launch time, latent quality, popularity;
--   3. per customer and month: an engagement that drifts (AR(1) around the base) and a Poisson number of candidate
--      orders, with a rate from engagement, segment, region and season (November and December are busier);
--   4. candidate orders: a time, a primary product, and maybe a review of it whose rating follows product quality
--      and the customer's bias; a rating <= 2 is a bad experience;
--   5. churn and thinning: a bad review may bring the churn time forward; after the churn time no orders; candidate
--      orders are thinned as the latent churn approaches (declining frequency) and by 0.55 per earlier bad review;
--   6. order items (the primary product first, then more products from the favourite or a popular category),
--      order totals, and the reviews with a few words that follow the rating.
CREATE FUNCTION relml.generate_demo(target_schema name DEFAULT 'demo', scale float8 DEFAULT 1.0,
	seed int DEFAULT 42)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
-- JIT off: the planner cannot estimate generate_series over fresh tables and would JIT-compile every step,
-- which costs far more than the small scales run. Notices off: DROP TABLE IF EXISTS is expected to skip.
SET search_path = pg_catalog, pg_temp
SET jit = off
SET client_min_messages = warning
AS $fn$
DECLARE
	n_customers bigint;
	n_products  bigint;
	cat_slots   int[];
	by_cat      bigint[];
	cat_off     int[];
	cat_cnt     int[];
	init_by_cat bigint[];
	init_off    int[];
	init_cnt    int[];
	launched    timestamp[];
	quality     float8[];
	counts      jsonb := '{}';
	n           bigint;
	tbl         text;
BEGIN
	IF scale IS NULL OR seed IS NULL OR target_schema IS NULL THEN
		RAISE EXCEPTION 'relml.generate_demo: arguments must not be NULL';
	END IF;
	IF NOT (scale > 0 AND scale <= 100000) THEN
		RAISE EXCEPTION 'relml.generate_demo: scale must be in (0, 100000], got %', scale;
	END IF;
	IF target_schema IN ('relml', 'pg_catalog', 'information_schema', 'pg_toast')
	   OR target_schema LIKE 'pg\_temp%' OR target_schema LIKE 'pg\_toast%' THEN
		RAISE EXCEPTION 'relml.generate_demo: refusing to generate into schema %', target_schema;
	END IF;

	n_customers := greatest(1, round(2000 * scale));
	n_products := greatest(40, round(200 * scale));

	EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', target_schema);
	-- Dropped together, so that the foreign keys among them need no CASCADE (which could drop a user's views).
	EXECUTE format('DROP TABLE IF EXISTS %1$I.reviews, %1$I.order_items, %1$I.orders, %1$I.products, '
	               '%1$I.customers, %1$I._demo_gen_customers, %1$I._demo_gen_products, %1$I._demo_gen_months, '
	               '%1$I._demo_gen_candidates, %1$I._demo_gen_orders', target_schema);

	-- Category shares in percent (electronics, home, fashion, beauty, sports, toys, books, grocery), as 100 slots
	-- that a uniform number indexes.
	SELECT array_agg(w.c ORDER BY w.c)
	INTO cat_slots
	FROM unnest(ARRAY[14, 16, 18, 10, 10, 9, 12, 11]) WITH ORDINALITY AS w(share, c),
	     generate_series(1, w.share) AS s;

	-- Step 1: customers and their latent traits. Streams 1-19.
	--   30% of the customers are the launch cohort (signed up in the first 20 days), the others sign up over
	--   715 days, more of them later (the shop grows). Engagement e0 ~ N(0, 1) sets the newsletter opt-in and the
	--   expected lifetime (exponential, mean 540 days * exp(0.5 e0) * segment factor).
	EXECUTE format($q$
		CREATE UNLOGGED TABLE %1$I._demo_gen_customers AS
		SELECT d.customer_id, d.signup_at, d.region, d.segment, d.birth_year,
		       relml._demo_uniform(d.customer_id, $1, 7) < 0.2 + 0.45 / (1 + exp(-1.2 * d.e0)) AS newsletter,
		       d.e0, d.fav_cat, d.rating_bias, d.basket,
		       CASE d.segment WHEN 'budget' THEN 0.8 WHEN 'regular' THEN 1.0 WHEN 'premium' THEN 1.25
		                      ELSE 1.6 END AS segment_rate,
		       CASE d.region WHEN 'north' THEN 1.0 WHEN 'south' THEN 0.85 WHEN 'east' THEN 1.05
		                     WHEN 'west' THEN 1.15 ELSE 0.9 END AS region_rate,
		       d.signup_at + floor(86400 * d.lifetime_days) * interval '1 second' AS latent_churn_at
		FROM (
			SELECT g.id AS customer_id,
			       timestamp '2023-01-01' + floor(86400 * CASE WHEN relml._demo_uniform(g.id, $1, 1) < 0.3
			                                               THEN 20 * relml._demo_uniform(g.id, $1, 2)
			                                               ELSE 715 * power(relml._demo_uniform(g.id, $1, 2), 0.8)
			                                               END) * interval '1 second' AS signup_at,
			       r.region, r.segment,
			       greatest(1940, least(2006, round(CASE WHEN r.segment = 'business' THEN 1975 ELSE 1984 END
			                                        + 12 * relml._demo_normal(g.id, $1, 5))))::int AS birth_year,
			       relml._demo_normal(g.id, $1, 6) AS e0,
			       CASE WHEN relml._demo_uniform(g.id, $1, 8) < 0.55
			            THEN (CASE r.segment WHEN 'budget' THEN ARRAY[8, 7, 6] WHEN 'regular' THEN ARRAY[2, 3, 5]
			                                 WHEN 'premium' THEN ARRAY[1, 4, 3] ELSE ARRAY[1, 2, 7] END)
			                 [1 + floor(3 * relml._demo_uniform(g.id, $1, 9))::int]
			            ELSE 1 + floor(8 * relml._demo_uniform(g.id, $1, 9))::int END AS fav_cat,
			       0.5 * relml._demo_normal(g.id, $1, 10) AS rating_bias,
			       exp(0.4 * relml._demo_normal(g.id, $1, 12) - 0.08) AS basket,
			       -540 * exp(0.5 * relml._demo_normal(g.id, $1, 6))
			            * CASE r.segment WHEN 'budget' THEN 0.8 WHEN 'regular' THEN 1.0 WHEN 'premium' THEN 1.3
			                             ELSE 1.6 END
			            * ln(1 - relml._demo_uniform(g.id, $1, 11)) AS lifetime_days
			FROM generate_series(1::bigint, $2) AS g(id)
			CROSS JOIN LATERAL (
				SELECT CASE WHEN u.r < 0.22 THEN 'north' WHEN u.r < 0.42 THEN 'south' WHEN u.r < 0.62 THEN 'east'
				            WHEN u.r < 0.84 THEN 'west' ELSE 'central' END AS region,
				       CASE WHEN u.s < 0.35 THEN 'budget' WHEN u.s < 0.75 THEN 'regular' WHEN u.s < 0.92 THEN 'premium'
				            ELSE 'business' END AS segment
				FROM (SELECT relml._demo_uniform(g.id, $1, 3) AS r, relml._demo_uniform(g.id, $1, 4) AS s) AS u
			) AS r
		) AS d
	$q$, target_schema) USING seed, n_customers;
	-- Each work table is analyzed: the later steps join it, and with statistics the planner picks hash joins
	-- instead of sorts sized for its guess of the rows that generate_series returns.
	EXECUTE format('ANALYZE %I._demo_gen_customers', target_schema);

	-- Step 2: products. Streams 20-29. The first 8 products cover the 8 categories, and every category keeps at
	-- least one product in the launch catalogue (launched 2023-01-01); the others launch over the two years.
	-- A brand has a latent quality shared by its products; popularity grows with quality.
	EXECUTE format($q$
		CREATE UNLOGGED TABLE %1$I._demo_gen_products AS
		SELECT d.product_id, d.cat,
		       (ARRAY['electronics', 'home', 'fashion', 'beauty', 'sports', 'toys', 'books', 'grocery'])[d.cat]
		           AS category,
		       (ARRAY['acme', 'northwind', 'contoso', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'wonka',
		              'tyrell', 'hooli', 'vandelay', 'soylent', 'oscorp', 'cyberdyne', 'aperture'])[d.brand_idx]
		           AS brand,
		       greatest(0.99, round(((ARRAY[180, 45, 40, 20, 45, 25, 14, 7])[d.cat]
		                             * exp(0.5 * relml._demo_normal(d.product_id, $1, 23) + 0.2 * d.brand_quality))
		                            ::numeric, 2))::numeric(10,2) AS price,
		       CASE WHEN d.product_id <= 8 OR relml._demo_uniform(d.product_id, $1, 24) < 0.65
		            THEN timestamp '2023-01-01'
		            ELSE timestamp '2023-01-01'
		                 + floor(86400 * 700 * relml._demo_uniform(d.product_id, $1, 25)) * interval '1 second'
		            END AS launched_at,
		       d.quality,
		       relml._demo_normal(d.product_id, $1, 26) + 0.5 * d.quality AS popularity
		FROM (
			SELECT b.product_id, b.cat, b.brand_idx, b.brand_quality,
			       b.brand_quality + 0.7 * relml._demo_normal(b.product_id, $1, 22) AS quality
			FROM (
				SELECT c.product_id, c.cat, c.brand_idx, 0.7 * relml._demo_normal(c.brand_idx, $1, 21) AS brand_quality
				FROM (
					SELECT a.product_id, a.cat, 1 + (a.cat * 5 + floor(5 * relml._demo_uniform(a.product_id, $1, 27))::int) %% 16
					           AS brand_idx
					FROM (
						SELECT g.id AS product_id,
						       CASE WHEN g.id <= 8 THEN g.id::int
						            ELSE $3[1 + floor(100 * relml._demo_uniform(g.id, $1, 20))::int] END AS cat
						FROM generate_series(1::bigint, $2) AS g(id)
					) AS a
				) AS c
			) AS b
		) AS d
	$q$, target_schema) USING seed, n_products, cat_slots;
	EXECUTE format('ANALYZE %I._demo_gen_products', target_schema);

	-- The product lists that relml._demo_choose_product indexes: all products and the launch catalogue, per
	-- category by decreasing popularity; launch time and quality by product id (ids are 1..n_products).
	EXECUTE format($q$
		SELECT array_agg(product_id ORDER BY cat, popularity DESC, product_id),
		       array_agg(product_id ORDER BY cat, popularity DESC, product_id)
		           FILTER (WHERE launched_at = timestamp '2023-01-01'),
		       array_agg(launched_at ORDER BY product_id),
		       array_agg(quality ORDER BY product_id)
		FROM %1$I._demo_gen_products
	$q$, target_schema) INTO by_cat, init_by_cat, launched, quality;
	EXECUTE format($q$
		SELECT array_agg(n_all ORDER BY cat), array_agg(off_all ORDER BY cat),
		       array_agg(n_init ORDER BY cat), array_agg(off_init ORDER BY cat)
		FROM (
			SELECT c.cat, coalesce(p.n_all, 0)::int AS n_all, coalesce(p.n_init, 0)::int AS n_init,
			       (coalesce(sum(p.n_all) OVER w, 0) - coalesce(p.n_all, 0))::int AS off_all,
			       (coalesce(sum(p.n_init) OVER w, 0) - coalesce(p.n_init, 0))::int AS off_init
			FROM generate_series(1, 8) AS c(cat)
			LEFT JOIN (SELECT cat, count(*) AS n_all,
			                  count(*) FILTER (WHERE launched_at = timestamp '2023-01-01') AS n_init
			           FROM %1$I._demo_gen_products GROUP BY cat) AS p USING (cat)
			WINDOW w AS (ORDER BY c.cat)
		) AS s
	$q$, target_schema) INTO cat_cnt, cat_off, init_cnt, init_off;

	-- Step 3: customer months. Streams 30-39. Engagement = 0.8 e0 + an AR(1) drift with rho 0.85 and innovation
	-- sd 0.35, written as rho^m * cumsum(rho^-j * z_j) so that a window sum computes it. The candidate rate is
	-- 1.7 orders a month * segment * region * season * exp(0.55 engagement). Months from the signup month up to
	-- the latent churn month.
	EXECUTE format($q$
		CREATE UNLOGGED TABLE %1$I._demo_gen_months AS
		SELECT w.customer_id, w.m, w.month_start,
		       extract(epoch FROM w.month_start + interval '1 month' - w.month_start) AS month_secs,
		       w.engagement,
		       relml._demo_poisson(1.7 * w.segment_rate * w.region_rate
		                           * (ARRAY[0.85, 0.9, 1.0, 1.0, 1.0, 0.95, 0.9, 0.9, 1.0, 1.05, 1.45, 1.75])
		                             [1 + w.m %% 12]
		                           * exp(0.55 * w.engagement),
		                           relml._demo_uniform(w.customer_id * 32 + w.m, $1, 31)) AS n
		FROM (
			SELECT c.customer_id, g.m, c.segment_rate, c.region_rate,
			       timestamp '2023-01-01' + g.m * interval '1 month' AS month_start,
			       0.8 * c.e0 + 0.35 * power(0.85, g.m)
			           * sum(power(0.85, -g.m) * relml._demo_normal(c.customer_id * 32 + g.m, $1, 30))
			             OVER (PARTITION BY c.customer_id ORDER BY g.m) AS engagement
			FROM %1$I._demo_gen_customers AS c
			CROSS JOIN LATERAL generate_series(
				((extract(year FROM c.signup_at) - 2023) * 12 + extract(month FROM c.signup_at) - 1)::int,
				least(23, ((extract(year FROM c.latent_churn_at) - 2023) * 12
				           + extract(month FROM c.latent_churn_at) - 1)::int)) AS g(m)
		) AS w
	$q$, target_schema) USING seed;
	EXECUTE format('ANALYZE %I._demo_gen_months', target_schema);

	-- Step 4: candidate orders. Streams 40-49. A uniform time in the month (kept only between signup and the
	-- latent churn), a primary product (70% from the favourite category, else a category by its share), and with
	-- probability 0.22 a review of it: rating = round(3.7 + 0.8 quality + bias + 0.9 noise) in 1..5, written 2 to
	-- 14 days after the order. The OFFSET 0 fences keep each drawn value a plain column for the next level.
	EXECUTE format($q$
		CREATE UNLOGGED TABLE %1$I._demo_gen_candidates AS
		SELECT r.customer_id, r.cand_id, r.t, r.p1, r.has_review, r.rating, r.reviewed_at,
		       r.has_review AND r.rating <= 2 AND r.reviewed_at < timestamp '2025-01-01' AS bad
		FROM (
			SELECT p.customer_id, p.cand_id, p.t, p.p1,
			       relml._demo_uniform(p.cand_id, $1, 44) < 0.22 AS has_review,
			       greatest(1, least(5, round(3.7 + 0.8 * $9[p.p1] + p.rating_bias
			                                  + 0.9 * relml._demo_normal(p.cand_id, $1, 45))))::int AS rating,
			       p.t + floor(86400 * (2 + 12 * relml._demo_uniform(p.cand_id, $1, 46))) * interval '1 second'
			           AS reviewed_at
			FROM (
				SELECT a.customer_id, a.cand_id, a.t, a.rating_bias,
				       relml._demo_choose_product(a.cat, a.t, relml._demo_uniform(a.cand_id, $1, 42),
				                                  relml._demo_uniform(a.cand_id, $1, 43),
				                                  $2, $3, $4, $5, $6, $7, $8) AS p1
				FROM (
					SELECT m.customer_id, i.cand_id, i.t, c.rating_bias,
					       CASE WHEN relml._demo_uniform(i.cand_id, $1, 40) < 0.7 THEN c.fav_cat
					            ELSE $10[1 + floor(100 * relml._demo_uniform(i.cand_id, $1, 41))::int] END AS cat
					FROM %1$I._demo_gen_months AS m
					JOIN %1$I._demo_gen_customers AS c USING (customer_id)
					CROSS JOIN LATERAL generate_series(1, m.n) AS k
					CROSS JOIN LATERAL (
						SELECT (m.customer_id * 24 + m.m) * 64 + k AS cand_id,
						       m.month_start + floor(m.month_secs
						                             * relml._demo_uniform((m.customer_id * 24 + m.m) * 64 + k, $1, 47))
						                       * interval '1 second' AS t
					) AS i
					WHERE m.n > 0 AND i.t >= c.signup_at AND i.t < c.latent_churn_at
					OFFSET 0
				) AS a
				OFFSET 0
			) AS p
		) AS r
	$q$, target_schema)
	USING seed, by_cat, cat_off, cat_cnt, init_by_cat, init_off, init_cnt, launched, quality, cat_slots;
	EXECUTE format('ANALYZE %I._demo_gen_candidates', target_schema);

	-- Step 5: churn and thinning, then order ids in time order. Streams 50-59. With probability 0.45 the first
	-- bad review brings the churn forward to 10-60 days after it. A candidate survives if it is before the churn
	-- and either is a bad experience (so that the bad reviews that drive the thinning all exist) or passes
	-- thinning: ramp(t) = clamp((latent churn - t) / 75 days, 0.1, 1) times 0.55 per bad review before t.
	EXECUTE format($q$
		CREATE UNLOGGED TABLE %1$I._demo_gen_orders AS
		SELECT row_number() OVER w AS order_id,
		       sum(x.n_items) OVER w - x.n_items AS items_before,
		       x.*
		FROM (
			SELECT k.customer_id, k.cand_id, k.t, k.p1, k.has_review, k.rating, k.reviewed_at,
			       c.segment, c.fav_cat, c.basket,
			       1 + least(7, relml._demo_geometric(c.basket * CASE c.segment WHEN 'business' THEN 1.8
			                                                                    WHEN 'premium' THEN 1.2 ELSE 0.8 END,
			                                          relml._demo_uniform(k.cand_id, $1, 52))) AS n_items,
			       CASE WHEN relml._demo_uniform(k.cand_id, $1, 53)
			                 < CASE WHEN c.segment = 'business' THEN 0.1
			                        ELSE greatest(0.1, least(0.75, 0.2 + 0.015 * (c.birth_year - 1960))) END
			            THEN 'mobile'
			            WHEN relml._demo_uniform(k.cand_id, $1, 54) < 0.15 THEN 'store'
			            ELSE 'web' END AS channel
			FROM %1$I._demo_gen_candidates AS k
			JOIN %1$I._demo_gen_customers AS c USING (customer_id)
			LEFT JOIN (
				SELECT b.customer_id, min(b.reviewed_at) AS first_bad,
				       array_agg(b.reviewed_at ORDER BY b.reviewed_at) AS bad_times
				FROM %1$I._demo_gen_candidates AS b
				WHERE b.bad
				GROUP BY b.customer_id
			) AS h USING (customer_id)
			WHERE k.t < CASE WHEN h.first_bad IS NOT NULL AND relml._demo_uniform(k.customer_id, $1, 50) < 0.45
			                 THEN least(c.latent_churn_at,
			                            h.first_bad + floor(86400 * (10 + 50 * relml._demo_uniform(k.customer_id, $1, 51)))
			                                          * interval '1 second')
			                 ELSE c.latent_churn_at END
			  AND (k.bad
			       OR relml._demo_uniform(k.cand_id, $1, 55)
			          < greatest(0.1, least(1.0, extract(epoch FROM c.latent_churn_at - k.t)::float8 / (75 * 86400)))
			            * power(0.55::float8, coalesce(width_bucket(k.t, h.bad_times), 0)))
		) AS x
		WINDOW w AS (ORDER BY x.t, x.cand_id)
	$q$, target_schema) USING seed;
	EXECUTE format('ANALYZE %I._demo_gen_orders', target_schema);

	-- Step 6: the final tables. Streams 60-89.
	EXECUTE format($q$
		CREATE TABLE %1$I.customers AS
		SELECT customer_id, signup_at, region, segment, birth_year, newsletter
		FROM %1$I._demo_gen_customers
	$q$, target_schema);
	EXECUTE format($q$
		CREATE TABLE %1$I.products AS
		SELECT product_id, category, brand, price, launched_at
		FROM %1$I._demo_gen_products
	$q$, target_schema);

	-- Items: the primary product first, then products from the favourite category (60%) or a category by its
	-- share; business customers buy larger quantities; discounts are commoner in November-December and for the
	-- budget segment; unit prices drift up 4% a year around the list price.
	EXECUTE format($q$
		CREATE TABLE %1$I.order_items AS
		SELECT a.item_id, a.order_id, a.product_id, a.ordered_at,
		       1 + least(CASE a.segment WHEN 'business' THEN 19 ELSE 4 END,
		                 relml._demo_geometric(a.basket * CASE a.segment WHEN 'business' THEN 1.5 ELSE 0.3 END,
		                                       relml._demo_uniform(a.item_id, $1, 63))) AS quantity,
		       round((p.price::float8
		              * (1 + 0.04 * extract(epoch FROM a.ordered_at - timestamp '2023-01-01') / (365.25 * 86400))
		              * (0.95 + 0.1 * relml._demo_uniform(a.item_id, $1, 64)))::numeric, 2)::numeric(10,2)
		           AS unit_price,
		       CASE WHEN relml._demo_uniform(a.item_id, $1, 65)
		                 < 0.12 + CASE WHEN extract(month FROM a.ordered_at) >= 11 THEN 0.25 ELSE 0 END
		                        + CASE WHEN a.segment = 'budget' THEN 0.1 ELSE 0 END
		            THEN (ARRAY[0.05, 0.10, 0.15, 0.20, 0.30])[1 + floor(5 * relml._demo_uniform(a.item_id, $1, 66))::int]
		            ELSE 0 END::numeric(4,2) AS discount
		FROM (
			SELECT b.item_id, b.order_id, b.ordered_at, b.segment, b.basket,
			       CASE WHEN b.k = 1 THEN b.p1
			            ELSE relml._demo_choose_product(b.cat, b.ordered_at, relml._demo_uniform(b.item_id, $1, 61),
			                                            relml._demo_uniform(b.item_id, $1, 62),
			                                            $2, $3, $4, $5, $6, $7, $8) END AS product_id
			FROM (
				SELECT o.items_before + k AS item_id, o.order_id, o.t AS ordered_at, o.segment, o.basket, o.p1, k,
				       CASE WHEN relml._demo_uniform(o.items_before + k, $1, 60) < 0.6 THEN o.fav_cat
				            ELSE $9[1 + floor(100 * relml._demo_uniform(o.items_before + k, $1, 67))::int] END AS cat
				FROM %1$I._demo_gen_orders AS o
				CROSS JOIN LATERAL generate_series(1, o.n_items) AS k
				OFFSET 0
			) AS b
		) AS a
		JOIN %1$I._demo_gen_products AS p USING (product_id)
	$q$, target_schema) USING seed, by_cat, cat_off, cat_cnt, init_by_cat, init_off, init_cnt, launched, cat_slots;

	EXECUTE format($q$
		CREATE TABLE %1$I.orders AS
		SELECT o.order_id, o.customer_id, o.t AS ordered_at, o.channel, i.total::numeric(12,2) AS total
		FROM %1$I._demo_gen_orders AS o
		JOIN (SELECT order_id, sum(round(quantity * unit_price * (1 - discount), 2)) AS total
		      FROM %1$I.order_items GROUP BY order_id) AS i USING (order_id)
	$q$, target_schema);

	-- Reviews: 3 to 6 words whose sentiment follows the rating.
	EXECUTE format($q$
		CREATE TABLE %1$I.reviews AS
		SELECT row_number() OVER (ORDER BY o.reviewed_at, o.order_id) AS review_id,
		       o.customer_id, o.p1 AS product_id, o.reviewed_at, o.rating,
		       concat_ws(' ',
		           relml._demo_review_word(o.rating, relml._demo_uniform(o.order_id, $1, 70),
		                                   relml._demo_uniform(o.order_id, $1, 71)),
		           relml._demo_review_word(o.rating, relml._demo_uniform(o.order_id, $1, 72),
		                                   relml._demo_uniform(o.order_id, $1, 73)),
		           relml._demo_review_word(o.rating, relml._demo_uniform(o.order_id, $1, 74),
		                                   relml._demo_uniform(o.order_id, $1, 75)),
		           CASE WHEN relml._demo_uniform(o.order_id, $1, 69) >= 0.25 THEN
		               relml._demo_review_word(o.rating, relml._demo_uniform(o.order_id, $1, 76),
		                                       relml._demo_uniform(o.order_id, $1, 77)) END,
		           CASE WHEN relml._demo_uniform(o.order_id, $1, 69) >= 0.5 THEN
		               relml._demo_review_word(o.rating, relml._demo_uniform(o.order_id, $1, 78),
		                                       relml._demo_uniform(o.order_id, $1, 79)) END,
		           CASE WHEN relml._demo_uniform(o.order_id, $1, 69) >= 0.75 THEN
		               relml._demo_review_word(o.rating, relml._demo_uniform(o.order_id, $1, 80),
		                                       relml._demo_uniform(o.order_id, $1, 81)) END) AS body
		FROM %1$I._demo_gen_orders AS o
		WHERE o.has_review AND o.reviewed_at < timestamp '2025-01-01'
	$q$, target_schema) USING seed;

	EXECUTE format('DROP TABLE %1$I._demo_gen_customers, %1$I._demo_gen_products, %1$I._demo_gen_months, '
	               '%1$I._demo_gen_candidates, %1$I._demo_gen_orders', target_schema);

	-- Keys, foreign keys and the indexes that label queries and feature queries use (foreign key columns with
	-- the time column, and the time columns).
	EXECUTE format($q$
		ALTER TABLE %1$I.customers ADD PRIMARY KEY (customer_id);
		ALTER TABLE %1$I.products ADD PRIMARY KEY (product_id);
		ALTER TABLE %1$I.orders ADD PRIMARY KEY (order_id),
			ADD FOREIGN KEY (customer_id) REFERENCES %1$I.customers (customer_id);
		ALTER TABLE %1$I.order_items ADD PRIMARY KEY (item_id),
			ADD FOREIGN KEY (order_id) REFERENCES %1$I.orders (order_id),
			ADD FOREIGN KEY (product_id) REFERENCES %1$I.products (product_id);
		ALTER TABLE %1$I.reviews ADD PRIMARY KEY (review_id),
			ADD FOREIGN KEY (customer_id) REFERENCES %1$I.customers (customer_id),
			ADD FOREIGN KEY (product_id) REFERENCES %1$I.products (product_id);
		CREATE INDEX ON %1$I.orders (customer_id, ordered_at);
		CREATE INDEX ON %1$I.orders (ordered_at);
		CREATE INDEX ON %1$I.order_items (order_id);
		CREATE INDEX ON %1$I.order_items (product_id, ordered_at);
		CREATE INDEX ON %1$I.reviews (customer_id, reviewed_at);
		CREATE INDEX ON %1$I.reviews (product_id, reviewed_at)
	$q$, target_schema);

	FOREACH tbl IN ARRAY ARRAY['customers', 'products', 'orders', 'order_items', 'reviews'] LOOP
		EXECUTE format('ANALYZE %I.%I', target_schema, tbl);
		EXECUTE format('SELECT count(*) FROM %I.%I', target_schema, tbl) INTO n;
		counts := counts || jsonb_build_object(tbl, n);
	END LOOP;
	RETURN counts;
END
$fn$;
COMMENT ON FUNCTION relml.generate_demo(name, float8, int) IS
'(Re)creates the demo e-commerce database (customers, products, orders, order_items, reviews; 2023-2024) in '
'target_schema, deterministically from seed; scale 1.0 = 2,000 customers, ~30,000 orders. Returns row counts';
