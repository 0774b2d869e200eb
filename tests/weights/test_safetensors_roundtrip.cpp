// Writer -> reader round trips: every dtype, metadata, strided input, zero-copy
// views, misaligned data, writer argument errors.
#include <catch2/catch.hpp>
#include <cstring>

#include "nmc/kernels/safetensors.h"
#include "weights_test_util.h"

using namespace nmc;

namespace {

constexpr DType kAllDtypes[] = {DType::kF64, DType::kF32, DType::kF16, DType::kBF16, DType::kI64,
                                DType::kI32, DType::kI16, DType::kI8,  DType::kU8,   DType::kBool};

// A tensor whose bytes follow a pattern unique to (dtype, position).
Tensor patterned(DType dt, const Shape& shape) {
  Tensor t = Tensor::zeros(shape, dt).value();
  auto* b = static_cast<uint8_t*>(t.raw());
  for (size_t i = 0; i < t.nbytes(); ++i)
    b[i] = dt == DType::kBool ? static_cast<uint8_t>(i % 3 == 0) : static_cast<uint8_t>(i * 37 + static_cast<int>(dt));
  return t;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

}  // namespace

TEST_CASE("safetensors round trip keeps every dtype, shape and byte", "[unit]") {
  test::ScratchDir dir;
  NamedTensors in;
  for (DType dt : kAllDtypes) in.emplace_back(std::string("t.") + dtype_name(dt), patterned(dt, {2, 3}));
  in.emplace_back("scalar", patterned(DType::kF32, Shape{}));
  in.emplace_back("empty", patterned(DType::kF16, {0, 5}));
  in.emplace_back("rank8", patterned(DType::kI8, {1, 2, 1, 2, 1, 2, 1, 2}));
  const std::map<std::string, std::string> meta{{"format", "pt"}, {"note", "caf\xc3\xa9 \"quoted\""}};
  const std::string path = dir.file("rt.safetensors");
  REQUIRE(write_safetensors(path, in, meta).ok());

  auto file = SafetensorsFile::open(path);
  REQUIRE(file.ok());
  CHECK(file->metadata() == meta);
  CHECK(file->tensors().size() == in.size());
  uint64_t total = 0;
  for (const auto& [name, t] : in) {
    INFO(name);
    const SafetensorsTensorInfo* info = file->find(name);
    REQUIRE(info != nullptr);
    CHECK(info->dtype == t.dtype());
    CHECK(info->shape == t.shape());
    CHECK(info->nbytes() == t.nbytes());
    total += t.nbytes();
    auto got = file->tensor(name);
    REQUIRE(got.ok());
    CHECK(got->dtype() == t.dtype());
    CHECK(got->shape() == t.shape());
    CHECK(same_bytes(*got, t));
    // The writer aligns every tensor, so every read is a view on the mapping.
    CHECK(file->is_zero_copy(name));
    const auto bytes = file->file_bytes();
    const auto* p = static_cast<const uint8_t*>(got->raw());
    CHECK((p >= bytes.data() && p <= bytes.data() + bytes.size()));
  }
  CHECK(file->data_bytes() == total);

  // The in-memory serialization is the same file.
  auto mem = serialize_safetensors(in, meta);
  REQUIRE(mem.ok());
  CHECK(mem->size() == file->file_bytes().size());
  CHECK(std::memcmp(mem->data(), file->file_bytes().data(), mem->size()) == 0);
  auto from_mem = SafetensorsFile::open_from_memory(*mem);
  REQUIRE(from_mem.ok());
  CHECK(from_mem->names() == file->names());
  CHECK(same_bytes(from_mem->tensor("t.bf16").value(), in[3].second));
}

TEST_CASE("zero-copy tensors keep the file alive", "[unit]") {
  test::ScratchDir dir;
  const std::string path = dir.file("alive.safetensors");
  Tensor src = Tensor::zeros({4}, DType::kF32).value();
  for (int i = 0; i < 4; ++i) src.data<float>()[i] = 1.5f * static_cast<float>(i);
  REQUIRE(write_safetensors(path, {{"w", src}}).ok());
  Tensor view;
  {
    auto file = SafetensorsFile::open(path);
    REQUIRE(file.ok());
    view = file->tensor("w").value();
  }  // the file object is gone; the view owns the mapping now
  CHECK(view.data<float>()[3] == 4.5f);
  CHECK(view.storage()->release != nullptr);  // unmapped when the view goes
}

TEST_CASE("writer gathers strided tensors in row-major order", "[unit]") {
  Tensor t = Tensor::zeros({2, 3}, DType::kI32).value();
  for (int i = 0; i < 6; ++i) t.data<int32_t>()[i] = i;
  Tensor tr = t.permute({1, 0}).value();          // [3, 2]: 0 3 1 4 2 5
  Tensor stepped = t.slice(1, 0, 3, 2).value();   // [2, 2]: 0 2 3 5
  auto mem = serialize_safetensors({{"tr", tr}, {"stepped", stepped}});
  REQUIRE(mem.ok());
  auto f = SafetensorsFile::open_from_memory(*mem);
  REQUIRE(f.ok());
  Tensor a = f->tensor("tr").value();
  CHECK(a.shape() == Shape{3, 2});
  const int32_t want_tr[] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; i < 6; ++i) CHECK(a.data<int32_t>()[i] == want_tr[i]);
  Tensor b = f->tensor("stepped").value();
  const int32_t want_st[] = {0, 2, 3, 5};
  for (int i = 0; i < 4; ++i) CHECK(b.data<int32_t>()[i] == want_st[i]);
}

TEST_CASE("misaligned tensor data is returned as an aligned copy", "[unit]") {
  // U8 at [0, 1) puts the F32 at data offset 1; a 120-byte header keeps it odd in the file.
  std::string header =
      R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"y":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}})";
  REQUIRE(header.size() <= 120);
  header.append(120 - header.size(), ' ');
  std::vector<uint8_t> data = {7};
  const float vals[2] = {2.5f, -0.125f};
  data.resize(9);
  std::memcpy(data.data() + 1, vals, 8);
  const auto bytes = test::raw_safetensors(header, data);
  auto f = SafetensorsFile::open_from_memory(bytes);
  REQUIRE(f.ok());
  CHECK(f->is_zero_copy("x"));
  CHECK_FALSE(f->is_zero_copy("y"));
  Tensor y = f->tensor("y").value();
  CHECK(reinterpret_cast<uintptr_t>(y.raw()) % 4 == 0);
  CHECK(y.data<float>()[0] == 2.5f);
  CHECK(y.data<float>()[1] == -0.125f);
  CHECK(f->tensor("x").value().data<uint8_t>()[0] == 7);
}

TEST_CASE("lookups of absent tensors and bad writer arguments fail cleanly", "[unit]") {
  Tensor t = Tensor::zeros({1}, DType::kF32).value();
  auto mem = serialize_safetensors({{"a", t}});
  REQUIRE(mem.ok());
  auto f = SafetensorsFile::open_from_memory(*mem);
  REQUIRE(f.ok());
  auto missing = f->tensor("b");
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("'b'"));

  auto dup = serialize_safetensors({{"a", t}, {"a", t}});
  CHECK(dup.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(dup.status().message(), Catch::Contains("duplicate"));
  CHECK(serialize_safetensors({{"__metadata__", t}}).status().code() == StatusCode::kInvalidArgument);
  CHECK(serialize_safetensors({{"u", Tensor()}}).status().code() == StatusCode::kInvalidArgument);
  auto utf = serialize_safetensors({{std::string("bad\xff"), t}});
  CHECK(utf.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(utf.status().message(), Catch::Contains("UTF-8"));

  test::ScratchDir dir;
  const Status st = write_safetensors(dir.file("no/such/dir/x.safetensors"), {{"a", t}});
  CHECK(st.code() == StatusCode::kIo);
}
