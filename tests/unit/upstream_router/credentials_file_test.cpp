#include "credentials_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"

namespace proxy::plugins::upstream_router {
namespace {

using CredentialsFile = test_support::TempDirTest;

// The message of the error reading `path`, or "<none>".
std::string refused(const std::filesystem::path& path) {
  try {
    read_credentials_file(path.string());
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "<none>";
}

TEST_F(CredentialsFile, OneLineBecomesBasicCredentials) {
  for (const std::string text : {"alice:s3cret pw", "alice:s3cret pw\n", "alice:s3cret pw\r\n"}) {
    const auto path = write("corp.cred", text);
    EXPECT_EQ(read_credentials_file(path.string()).authorization, "Basic YWxpY2U6czNjcmV0IHB3")
        << text;
  }
  // The password may hold colons and be empty; the user ends at the first colon.
  EXPECT_EQ(read_credentials_file(write("a.cred", "u:p:q").string()).authorization,
            "Basic dTpwOnE=");
  EXPECT_EQ(read_credentials_file(write("b.cred", "u:").string()).authorization, "Basic dTo=");
}

TEST_F(CredentialsFile, BrokenFilesAreRefusedWithoutQuotingThem) {
  const std::string secret = "hunter2";
  const std::pair<std::string, std::string> cases[] = {
      {"", "does not hold one line user:password"},
      {"\n", "does not hold one line user:password"},
      {"no colon " + secret, "does not hold one line user:password"},
      {":" + secret, "does not hold one line user:password"},
      {"alice:" + secret + "\nbob:other", "more than one line"},
      {"alice:" + secret + "\x01", "control character"},
      {"alice:" + std::string(max_credentials_bytes, 'p'), "longer than"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string message = refused(write("bad.cred", text));
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
  const std::string missing = refused(dir_ / "absent.cred");
  EXPECT_NE(missing.find("cannot open"), std::string::npos) << missing;
}

TEST_F(CredentialsFile, SaysWhenEveryUserMayReadIt) {
  const auto path = write("corp.cred", "alice:pw\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  EXPECT_FALSE(read_credentials_file(path.string()).readable_by_others);
  std::filesystem::permissions(path, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  EXPECT_TRUE(read_credentials_file(path.string()).readable_by_others);
}

}  // namespace
}  // namespace proxy::plugins::upstream_router
