// The main of a fuzz target built as a plain program, with any compiler: runs
// LLVMFuzzerTestOneInput on every file of the folders given, so ctest replays the seed
// corpus and the regressions on every build.
//
// Usage: <name>_replay CORPUS [MORE...]. CORPUS must hold at least one file, so a corpus
// gone missing fails instead of passing vacuously; the other folders may be absent.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> files_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.') {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());  // the same order on every run
  return files;
}

bool replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  // Named first, so the input that aborts is the last one in the log.
  std::printf("%s\n", file.c_str());
  std::fflush(stdout);
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS [MORE...]\n", argv[0]);
    return 2;
  }
  std::size_t corpus_inputs = 0;
  std::size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& file : files_in(argv[i])) {
      if (!replay(file)) {
        return 1;
      }
      ++inputs;
      if (i == 1) {
        ++corpus_inputs;
      }
    }
  }
  std::printf("replayed %zu inputs\n", inputs);
  if (corpus_inputs == 0) {
    std::fprintf(stderr, "no seed inputs in %s\n", argv[1]);
    return 1;
  }
  return 0;
}
