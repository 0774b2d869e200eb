// Files written by the reference Python safetensors library
// (tools/fixtures/make_safetensors_fixtures.py): values printed by the script
// are asserted exactly; sharded checkpoints; byte-identical re-serialization.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "nmc/kernels/checkpoint.h"
#include "nmc/kernels/safetensors.h"
#include "weights_test_util.h"

using namespace nmc;

namespace {
const std::string kDir = std::string(NMC_TEST_DATA) + "/safetensors";

template <class T>
std::vector<T> values(const SafetensorsFile& f, const std::string& name) {
  Tensor t = f.tensor(name).value();
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

std::vector<uint8_t> read_all(const std::string& path) {
  auto f = SafetensorsFile::open(path).value();
  auto b = f.file_bytes();
  return {b.begin(), b.end()};
}
}  // namespace

TEST_CASE("reference-written file: every dtype reads back with its values", "[unit]") {
  auto opened = SafetensorsFile::open(kDir + "/mixed.safetensors");
  REQUIRE(opened.ok());
  const SafetensorsFile& f = *opened;
  CHECK(f.tensors().size() == 13);
  CHECK(f.metadata() == std::map<std::string, std::string>{{"format", "pt"}, {"source", "nmc fixture"}});

  Tensor w = f.tensor("conv.weight").value();
  CHECK(w.dtype() == DType::kF32);
  CHECK(w.shape() == Shape{4, 3, 3, 3});
  // torch.randn with seed 0, exact f32 values.
  CHECK(w.data<float>()[0] == -1.1258398294448853f);
  CHECK(w.data<float>()[1] == -1.152360200881958f);
  CHECK(w.data<float>()[2] == -0.2505785822868347f);
  CHECK(w.data<float>()[3] == -0.4338788092136383f);
  CHECK(w.data<float>()[107] == -0.4025455415248871f);
  CHECK(values<float>(f, "conv.bias") == std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f});

  Tensor e = f.tensor("embed.bf16").value();
  CHECK(e.dtype() == DType::kBF16);
  CHECK(e.shape() == Shape{3, 5});
  CHECK(e.data<uint16_t>()[0] == 0x3ff2);
  CHECK(e.data<uint16_t>()[1] == 0x4047);
  CHECK(e.data<uint16_t>()[2] == 0xbeeb);
  CHECK(bf16_to_f32(e.data<uint16_t>()[0]) == 1.890625f);
  CHECK(bf16_to_f32(e.data<uint16_t>()[2]) == -0.458984375f);

  CHECK(f.find("norm.f16")->dtype == DType::kF16);
  CHECK(values<uint16_t>(f, "norm.f16") == std::vector<uint16_t>{0xc000, 0xbccd, 0xb666, 0x3666, 0x3ccd, 0x4000});
  CHECK(f16_to_f32(values<uint16_t>(f, "norm.f16")[1]) == Approx(-1.2).margin(1e-3));

  CHECK(values<double>(f, "double.f64") == std::vector<double>{1.0 / 3.0, -2.5e-300});
  CHECK(values<int64_t>(f, "ids.i64") ==
        std::vector<int64_t>{-3, 0, 7, int64_t{1} << 40, -(int64_t{1} << 62)});
  CHECK(f.tensor("counts.i32").value().shape() == Shape{2, 2});
  CHECK(values<int32_t>(f, "counts.i32") == std::vector<int32_t>{1, -2, INT32_MAX, INT32_MIN});
  CHECK(values<int16_t>(f, "small.i16") == std::vector<int16_t>{-32768, 32767, 5});
  CHECK(values<int8_t>(f, "small.i8") == std::vector<int8_t>{-128, 127, 0, -1});
  CHECK(values<uint8_t>(f, "bytes.u8") == std::vector<uint8_t>{0, 128, 255});
  CHECK(f.find("mask.bool")->dtype == DType::kBool);
  CHECK(values<uint8_t>(f, "mask.bool") == std::vector<uint8_t>{1, 0, 1, 1});

  Tensor s = f.tensor("scalar").value();
  CHECK(s.rank() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.data<float>()[0] == 3.25f);
  Tensor z = f.tensor("empty").value();
  CHECK(z.shape() == Shape{0, 4});
  CHECK(z.nbytes() == 0);
  for (const auto& info : f.tensors()) CHECK(f.is_zero_copy(info.name));
}

TEST_CASE("sharded checkpoint resolves names across shards", "[unit]") {
  for (const std::string path : {kDir + "/sharded", kDir + "/sharded/model.safetensors.index.json"}) {
    INFO(path);
    auto ck = Checkpoint::open(path);
    REQUIRE(ck.ok());
    CHECK(ck->shards().size() == 2);
    CHECK(ck->names() ==
          std::vector<std::string>{"head.weight", "layers.0.bias", "layers.0.weight", "layers.1.weight"});
    CHECK(ck->total_bytes() == 44);  // the index's metadata.total_size
    CHECK(ck->metadata().at("format") == "pt");
    Tensor w0 = ck->tensor("layers.0.weight").value();
    CHECK(w0.shape() == Shape{2, 3});
    for (int i = 0; i < 6; ++i) CHECK(w0.data<float>()[i] == static_cast<float>(i));
    Tensor w1 = ck->tensor("layers.1.weight").value();
    CHECK(w1.dtype() == DType::kBF16);
    const float want[] = {-1.5f, -0.5f, 0.5f, 1.5f};
    for (int i = 0; i < 4; ++i) CHECK(bf16_to_f32(w1.data<uint16_t>()[i]) == want[i]);
    Tensor h = ck->tensor("head.weight").value();
    CHECK(f16_to_f32(h.data<uint16_t>()[1]) == 2.0f);
    CHECK(ck->find("layers.0.bias")->shape == Shape{2});
    CHECK(ck->tensor("nope").status().code() == StatusCode::kNotFound);
  }
}

TEST_CASE("single-file checkpoints open from a file or a folder", "[unit]") {
  auto direct = Checkpoint::open(kDir + "/mixed.safetensors");
  REQUIRE(direct.ok());
  CHECK(direct->tensor_count() == 13);
  CHECK(direct->total_bytes() == direct->shards()[0].data_bytes());

  test::ScratchDir dir;
  std::filesystem::copy_file(kDir + "/mixed.safetensors", dir.file("model.safetensors"));
  auto folder = Checkpoint::open(dir.path().string());
  REQUIRE(folder.ok());
  CHECK(folder->names() == direct->names());
  CHECK(folder->tensor("scalar").value().data<float>()[0] == 3.25f);

  test::ScratchDir empty;
  auto none = Checkpoint::open(empty.path().string());
  CHECK(none.status().code() == StatusCode::kNotFound);
  CHECK_THAT(none.status().message(), Catch::Contains("model.safetensors"));
}

TEST_CASE("the writer reproduces the reference writer's bytes", "[unit]") {
  for (const char* shard : {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
    INFO(shard);
    const std::string path = kDir + "/sharded/" + shard;
    auto f = SafetensorsFile::open(path);
    REQUIRE(f.ok());
    NamedTensors tensors;
    for (const auto& name : f->names()) tensors.emplace_back(name, f->tensor(name).value());
    auto mine = serialize_safetensors(tensors, f->metadata());
    REQUIRE(mine.ok());
    CHECK(*mine == read_all(path));
  }
}
