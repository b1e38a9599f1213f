#include "rdl_shop.hpp"

#include "graph/graph_builder.hpp"

#include <algorithm>
#include <random>

namespace relml::testing {

namespace {

using R = ColumnRole;
constexpr double kEpochSeconds2020 = 1577836800;

} // namespace


// customers <- orders. Customers carry every static feature kind (categorical, boolean, timestamp, text),
// orders a number and a category. `customers_first` = false lists the tables the other way round, as a
// rebuilt database might.
SchemaGraph shop_schema(bool customers_first, bool with_orders) {
	Table customers{"customers",
	                "id",
	                "",
	                {{"id", "bigint", R::PrimaryKey},
	                 {"segment", "text", R::Categorical},
	                 {"vip", "boolean", R::Boolean},
	                 {"signup", "timestamp", R::Timestamp},
	                 {"bio", "text", R::Text}}};
	Table orders{"orders",
	             "id",
	             "at",
	             {{"id", "bigint", R::PrimaryKey},
	              {"customer_id", "bigint", R::ForeignKey},
	              {"amount", "numeric", R::Numerical},
	              {"channel", "text", R::Categorical},
	              {"at", "timestamp", R::Time}}};
	if (!with_orders) {
		return SchemaGraph("shop", {customers}, {});
	}
	std::vector<Table> tables = customers_first ? std::vector<Table>{customers, orders}
	                                            : std::vector<Table>{orders, customers};
	return SchemaGraph("shop", tables, {{"orders", "customer_id", "customers"}});
}

// 200 customers, each ordering at its own rate (0 to 0.2 a day) over 200 days.
std::vector<Order> make_orders() {
	std::mt19937_64 random(7);
	std::uniform_real_distribution<double> unit(0, 1);
	std::vector<Order> orders;
	for (int64_t customer = 0; customer < kCustomers; ++customer) {
		const double rate = 0.2 * unit(random);
		for (int day = 0; day < 200; ++day) {
			if (unit(random) < rate) {
				const EpochMicros at = day * kDay + EpochMicros(unit(random) * double(kDay));
				orders.push_back({customer, at, 10 + 90 * unit(random), unit(random) < 0.5 ? "web" : "shop"});
			}
		}
	}
	return orders;
}


// The shop's graph. `rebuilt` loads rows in reverse order with the tables swapped, so row indices, table
// indices and categorical dictionaries all differ from the original while the data is the same.
Shop build_shop(const std::vector<Order> &orders, bool rebuilt, bool with_orders) {
	GraphBuilder builder(shop_schema(!rebuilt, with_orders), {});
	Shop shop;
	shop.row_of_customer.resize(kCustomers);
	auto &customers = builder.table("customers");
	for (int i = 0; i < kCustomers; ++i) {
		const int64_t key = rebuilt ? kCustomers - 1 - i : i;
		customers.begin_row();
		customers.set_primary_key(key);
		customers.set_category(0, "segment" + std::to_string(key % 4));
		if (key % 5 != 0) {
			customers.set_number(1, double(key % 3 == 0));
		}
		customers.set_number(2, kEpochSeconds2020 - 86400.0 * double(key * 7));
		customers.set_text(3, key % 2 ? "likes fast delivery" : "buys gifts");
		shop.row_of_customer[key] = int32_t(customers.rows() - 1);
	}
	if (with_orders) {
		auto &table = builder.table("orders");
		for (size_t i = 0; i < orders.size(); ++i) {
			const size_t at = rebuilt ? orders.size() - 1 - i : i;
			const Order &order = orders[at];
			table.begin_row();
			table.set_primary_key(int64_t(at));
			table.set_foreign_key(0, order.customer);
			table.set_number(0, order.amount);
			table.set_category(1, order.channel);
			table.set_time(order.at);
		}
	}
	shop.graph = builder.finish();
	shop.customers = shop.graph.table_index("customers");
	return shop;
}

// The label of (customer, t): how many orders the customer placed in the 30 days up to t.
double recent_orders(const std::vector<Order> &orders, int64_t customer, EpochMicros t) {
	return double(std::count_if(orders.begin(), orders.end(), [&](const Order &order) {
		return order.customer == customer && order.at <= t && order.at > t - 30 * kDay;
	}));
}

// Train seeds at days 60, 90 and 120, val seeds at day 150. `label` maps the recent order count.
RdlTask make_task(const Shop &shop, const std::vector<Order> &orders, TaskType type,
                  double (*label)(double count)) {
	RdlTask task;
	task.entity_table = shop.customers;
	task.task = type;
	task.num_class = type == TaskType::MulticlassClassification ? 3 : 0;
	task.fit_cutoff = 150 * kDay;
	for (int day : {60, 90, 120, 150}) {
		LabeledSeeds &split = day == 150 ? task.val : task.train;
		for (int64_t customer = 0; customer < kCustomers; ++customer) {
			split.seeds.push_back({shop.row_of_customer[customer], day * kDay});
			split.labels.push_back(label(recent_orders(orders, customer, day * kDay)));
		}
	}
	return task;
}

double busy(double count) {
	return count >= 3 ? 1 : 0;
}
double identity(double count) {
	return count;
}
double capped(double count) {
	return std::min(count, 2.0);
}

// Sum aggregation: the planted label counts recent orders, which a sum sees directly and a mean does not.
RdlOptions small_options(nlohmann::json extra) {
	nlohmann::json options = {{"channels", 16}, {"encoder_layers", 1}, {"fanouts", {8, 4}}, {"batch_size", 64},
	                {"epochs", 6},    {"patience", 6},       {"learning_rate", 0.01}, {"seed", 3},
	                {"aggregation", "sum"}};
	options.update(extra);
	return RdlOptions::from_json(options);
}

std::vector<Order> *ShopTest::orders_ = nullptr;
Shop *ShopTest::shop_ = nullptr;

void ShopTest::SetUpTestSuite() {
	orders_ = new std::vector<Order>(make_orders());
	shop_ = new Shop(build_shop(*orders_));
}

void ShopTest::TearDownTestSuite() {
	delete shop_;
	delete orders_;
	shop_ = nullptr;
	orders_ = nullptr;
}

const std::vector<Order> &ShopTest::orders() {
	return *orders_;
}

const Shop &ShopTest::shop() {
	return *shop_;
}

} // namespace relml::testing
