#include "pg/boundary/args.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/jsonb.h"
}

#include <algorithm>
#include <memory>

namespace relml::pg {

std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int index) {
	if (PG_ARGISNULL(index)) {
		return std::nullopt;
	}
	Datum value = PG_GETARG_DATUM(index);
	char *text = nullptr;
	pg_call([&] {
		Oid type = get_fn_expr_argtype(fcinfo->flinfo, index);
		Oid output_function;
		bool varlena;
		getTypeOutputInfo(type, &output_function, &varlena);
		text = OidOutputFunctionCall(output_function, value);
	});
	std::string result(text);
	pfree(text);
	return result;
}

std::string text_arg(FunctionCallInfo fcinfo, int index, const char *name) {
	auto value = optional_text_arg(fcinfo, index);
	if (!value) {
		throw InvalidInputError(std::string("argument ") + name + " must not be NULL");
	}
	return *value;
}

nlohmann::json jsonb_arg(FunctionCallInfo fcinfo, int index, const char *name) {
	auto text = optional_text_arg(fcinfo, index);
	if (!text) {
		return nlohmann::json::object();
	}
	nlohmann::json value = nlohmann::json::parse(*text);
	if (!value.is_object()) {
		throw InvalidInputError(std::string("argument ") + name + " must be a JSON object, got " + *text);
	}
	return value;
}

int64_t int_arg(FunctionCallInfo fcinfo, int index, const char *name) {
	return std::stoll(text_arg(fcinfo, index, name));
}

Datum jsonb_datum(const nlohmann::json &value) {
	std::string text = value.dump();
	Datum result = 0;
	pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
	return result;
}

Datum composite_datum(FunctionCallInfo fcinfo, std::vector<Datum> values, std::vector<bool> nulls) {
	std::unique_ptr<bool[]> is_null(new bool[nulls.size()]);
	std::copy(nulls.begin(), nulls.end(), is_null.get());
	const int columns = static_cast<int>(values.size());
	Datum *datums = values.data();
	bool *null_flags = is_null.get();
	Datum result = 0;
	pg_call([&] {
		TupleDesc desc;
		if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
			elog(ERROR, "relml: function must return a composite type");
		}
		desc = BlessTupleDesc(desc);
		if (desc->natts != columns) {
			elog(ERROR, "relml: function returns %d columns, expected %d", desc->natts, columns);
		}
		result = HeapTupleGetDatum(heap_form_tuple(desc, datums, null_flags));
	});
	return result;
}

Datum text_datum(const std::string &value) {
	Datum result = 0;
	pg_call([&] { result = CStringGetTextDatum(value.c_str()); });
	return result;
}

Datum text_array_datum(const std::vector<std::string> &values) {
	std::vector<Datum> elements;
	for (const std::string &value : values) {
		elements.push_back(text_datum(value));
	}
	Datum *data = elements.data();
	const int count = static_cast<int>(elements.size());
	Datum result = 0;
	pg_call([&] { result = PointerGetDatum(construct_array(data, count, TEXTOID, -1, false, TYPALIGN_INT)); });
	return result;
}

Datum timestamp_datum(const std::string &value) {
	Datum result = 0;
	pg_call([&] {
		result = DirectFunctionCall3(timestamp_in, CStringGetDatum(value.c_str()), ObjectIdGetDatum(InvalidOid),
		                             Int32GetDatum(-1));
	});
	return result;
}

SetResult::SetResult(FunctionCallInfo fcinfo, bool scalar) {
	pg_call([&] { InitMaterializedSRF(fcinfo, scalar ? MAT_SRF_USE_EXPECTED_DESC : 0); });
	info_ = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
}

void SetResult::add(std::vector<Datum> values, const std::vector<bool> &nulls) {
	std::unique_ptr<bool[]> is_null(new bool[values.size()]());
	std::copy(nulls.begin(), nulls.end(), is_null.get());
	Datum *datums = values.data();
	bool *null_flags = is_null.get();
	ReturnSetInfo *info = info_;
	pg_call([&] { tuplestore_putvalues(info->setResult, info->setDesc, datums, null_flags); });
}

std::vector<std::optional<std::string>> text_array_arg(FunctionCallInfo fcinfo, int index) {
	Datum *values = nullptr;
	bool *nulls = nullptr;
	int count = 0;
	pg_call([&] {
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(index), TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count);
	});
	std::vector<std::optional<std::string>> out;
	for (int i = 0; i < count; ++i) {
		if (nulls[i]) {
			out.push_back(std::nullopt);
			continue;
		}
		char *cstring = nullptr;
		pg_call([&] { cstring = TextDatumGetCString(values[i]); });
		out.push_back(std::string(cstring));
		pg_call([&] { pfree(cstring); });
	}
	return out;
}

} // namespace relml::pg
