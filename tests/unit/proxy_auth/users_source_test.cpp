#include "users_source.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "test_hashes.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

using testing::bcrypt_hash;

class UsersSourceTest : public testing::TempDirTest {
 protected:
  // Replaces the file as editors and `mv` do: a new inode, so the change shows even
  // within one timestamp tick.
  void replace(const std::string& text) {
    const std::string staged = write("users.new", text);
    std::filesystem::rename(staged, path_);
  }

  void SetUp() override {
    TempDirTest::SetUp();
    path_ = write("users.htpasswd", "alice:" + alice_ + "\nbob:" + bob_ + "\n");
  }

  const std::string alice_ = bcrypt_hash("alice-pw");
  const std::string bob_ = bcrypt_hash("bob-pw");
  std::string path_;
};

TEST_F(UsersSourceTest, LoadsAtConstructionAndReportsNoChange) {
  UsersSource source(path_);
  const auto users = source.current();
  EXPECT_EQ(users->users.size(), 2U);
  EXPECT_EQ(users->generation, 1U);
  EXPECT_EQ(source.refresh().outcome, UsersSource::Outcome::unchanged);
  EXPECT_EQ(source.current(), users);  // the same snapshot: nothing was read again
}

TEST_F(UsersSourceTest, AFileThatCannotLoadStopsConstruction) {
  write("users.htpasswd", "alice:plain\n");
  EXPECT_THROW(UsersSource source(path_), LoadError);
}

TEST_F(UsersSourceTest, AChangedFileIsReadAgain) {
  UsersSource source(path_);
  const std::string new_bob = bcrypt_hash("bob-new");
  replace("bob:" + new_bob + "\n");  // alice removed, bob re-hashed
  const UsersSource::Refresh refresh = source.refresh();
  EXPECT_EQ(refresh.outcome, UsersSource::Outcome::reloaded);
  const auto users = source.current();
  EXPECT_EQ(users->generation, 2U);
  EXPECT_EQ(users->users.find("alice"), nullptr);
  ASSERT_NE(users->users.find("bob"), nullptr);
  EXPECT_EQ(*users->users.find("bob"), new_bob);
  EXPECT_EQ(source.refresh().outcome, UsersSource::Outcome::unchanged);
}

TEST_F(UsersSourceTest, AnInPlaceEditIsSeenToo) {
  UsersSource source(path_);
  write("users.htpasswd", "alice:" + alice_ + "\n");  // same inode, other size
  EXPECT_EQ(source.refresh().outcome, UsersSource::Outcome::reloaded);
  EXPECT_EQ(source.current()->users.size(), 1U);
}

TEST_F(UsersSourceTest, ABrokenFileKeepsThePreviousUsersAndIsReportedOnce) {
  UsersSource source(path_);
  const auto before = source.current();
  const std::string secret_hash = "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/";
  replace("alice:" + alice_ + "\nbob:" + secret_hash + "\n");
  const UsersSource::Refresh refresh = source.refresh();
  EXPECT_EQ(refresh.outcome, UsersSource::Outcome::failed);
  EXPECT_EQ(refresh.error.rfind(path_ + ", line 2: user \"bob\": the hash is MD5-crypt", 0), 0U)
      << refresh.error;
  // Why, but without any hash (or anything that could be a password).
  EXPECT_EQ(refresh.error.find(secret_hash), std::string::npos);
  EXPECT_EQ(refresh.error.find(alice_), std::string::npos);
  EXPECT_EQ(source.current(), before);
  EXPECT_NE(source.current()->users.find("alice"), nullptr);
  EXPECT_NE(source.current()->users.find("bob"), nullptr);
  // The same broken version is neither read nor reported again.
  EXPECT_EQ(source.refresh().outcome, UsersSource::Outcome::unchanged);
  // Fixed: read at once.
  replace("alice:" + alice_ + "\n");
  EXPECT_EQ(source.refresh().outcome, UsersSource::Outcome::reloaded);
  EXPECT_EQ(source.current()->users.size(), 1U);
  EXPECT_EQ(source.current()->generation, 2U);
}

TEST_F(UsersSourceTest, ARemovedFileKeepsThePreviousUsers) {
  UsersSource source(path_);
  std::filesystem::remove(path_);
  const UsersSource::Refresh refresh = source.refresh();
  EXPECT_EQ(refresh.outcome, UsersSource::Outcome::failed);
  EXPECT_EQ(refresh.error, "users file '" + path_ + "': cannot stat: No such file or directory");
  EXPECT_EQ(source.refresh().outcome, UsersSource::Outcome::unchanged);  // said once
  EXPECT_EQ(source.current()->users.size(), 2U);
  replace("carol:" + alice_ + "\n");
  EXPECT_EQ(source.refresh().outcome, UsersSource::Outcome::reloaded);
  EXPECT_NE(source.current()->users.find("carol"), nullptr);
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
