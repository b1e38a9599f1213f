// A small shop for the RDL tests: customers <- orders, 200 customers ordering at their own rates over 200
// days, with a label planted in their recent activity.
#pragma once

#include "graph/rel_graph.hpp"
#include "rdl/api/rdl_options.hpp"
#include "rdl/rdl_trainer.hpp"
#include "schema/schema_graph.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace relml::testing {

constexpr EpochMicros kDay = 86400LL * 1000000;
constexpr int kCustomers = 200;

struct Order {
	int64_t customer;
	EpochMicros at;
	double amount;
	std::string channel;
};

// customers <- orders. Customers carry every static feature kind (categorical, boolean, timestamp, text),
// orders a number and a category. `customers_first` = false lists the tables the other way round, as a
// rebuilt database might.
SchemaGraph shop_schema(bool customers_first, bool with_orders = true);

// Each customer orders at its own rate (0 to 0.2 a day) over 200 days.
std::vector<Order> make_orders();

struct Shop {
	RelGraph graph;
	int customers = -1;
	std::vector<int32_t> row_of_customer; // by customer key
};

// The shop's graph. `rebuilt` loads rows in reverse order with the tables swapped, so row indices, table
// indices and categorical dictionaries all differ from the original while the data is the same.
Shop build_shop(const std::vector<Order> &orders, bool rebuilt = false, bool with_orders = true);

// How many orders the customer placed in the 30 days up to t.
double recent_orders(const std::vector<Order> &orders, int64_t customer, EpochMicros t);

// Train seeds at days 60, 90 and 120, val seeds at day 150. `label` maps the recent order count.
RdlTask make_task(const Shop &shop, const std::vector<Order> &orders, TaskType type, double (*label)(double count));

double busy(double count);
double identity(double count);
double capped(double count);

// Small and fast; sum aggregation: the planted label counts recent orders, which a sum sees directly.
RdlOptions small_options(nlohmann::json extra = nlohmann::json::object());

// A test suite over the shop: its orders and graph are built once per suite and shared by its tests.
class ShopTest : public ::testing::Test {
protected:
	static void SetUpTestSuite();
	static void TearDownTestSuite();
	static const std::vector<Order> &orders();
	static const Shop &shop();

private:
	static std::vector<Order> *orders_;
	static Shop *shop_;
};

} // namespace relml::testing
