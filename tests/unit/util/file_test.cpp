#include "util/file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace ar::util {
namespace {

class ReadSmallFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("file-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  static FileError::Kind failure(const std::string& path, std::size_t cap) {
    try {
      (void)read_small_file(path, cap);
    } catch (const FileError& e) {
      return e.kind();
    }
    ADD_FAILURE() << path << " was read";
    return FileError::Kind::kUnreadable;
  }

  std::filesystem::path dir_;
};

TEST_F(ReadSmallFile, ReadsARegularFileUpToItsCap) {
  EXPECT_EQ(read_small_file(write("ok", "abc"), 3), "abc");
  EXPECT_EQ(read_small_file(write("empty", ""), 3), "");
  EXPECT_EQ(failure(write("big", "abcd"), 3), FileError::Kind::kTooLarge);
}

TEST_F(ReadSmallFile, RefusesWhatIsNotARegularFileWithoutBlocking) {
  EXPECT_EQ(failure(dir_.string(), 100), FileError::Kind::kDirectory);
  EXPECT_EQ(failure("/dev/zero", 100), FileError::Kind::kNotRegular);
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(failure(fifo, 100), FileError::Kind::kNotRegular) << "no writer, and no wait";
  EXPECT_EQ(failure((dir_ / "missing").string(), 100), FileError::Kind::kMissing);
}

TEST_F(ReadSmallFile, FollowsSymbolicLinksAsKubernetesMountsUseThem) {
  const std::string target = write("..data-config.yaml", "layout: grid\n");
  std::filesystem::create_symlink(target, dir_ / "config.yaml");
  EXPECT_EQ(read_small_file((dir_ / "config.yaml").string(), 100), "layout: grid\n");
}

TEST(SizeName, NamesCapsTheWayDocsDo) {
  EXPECT_EQ(size_name(std::size_t{1} << 20), "1 MiB");
  EXPECT_EQ(size_name(std::size_t{64} << 10), "64 KiB");
  EXPECT_EQ(size_name(1000), "1000 bytes");
}

}  // namespace
}  // namespace ar::util
