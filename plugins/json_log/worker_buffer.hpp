#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace proxy::plugins::json_log {

// One line in a buffer: its place in the order lines were appended across every buffer
// (a sequence number), and its length with the newline.
struct LineRecord {
  std::uint64_t sequence = 0;
  std::size_t length = 0;
};

// Lines the writer took out of one WorkerBuffer: records [first, end) and their bytes
// text[begin, end_byte), oldest first. Owned by the writer thread between two batches;
// clear() keeps the capacity, so the next swap hands the io thread a buffer with room.
struct TakenLines {
  std::string text;
  std::vector<LineRecord> records;
  std::size_t first = 0;
  std::size_t end = 0;
  std::size_t begin_byte = 0;
  std::size_t end_byte = 0;

  bool empty() const { return first == end; }
  void clear();
};

// The access lines one io thread produced that the writer has not taken yet: whole
// lines, each ending in '\n', in the order they were appended. At most `capacity` lines:
// appending to a full buffer drops the oldest line, counted in dropped(). The bytes of
// dropped lines are reclaimed in bulk, once as many were dropped as the buffer holds, so
// a drop costs no copy of the rest.
//
// @par Thread Safety
// None: LineWriter guards each buffer with a mutex of its own.
class WorkerBuffer {
 public:
  explicit WorkerBuffer(std::size_t capacity);

  // Appends one line: `format(text)` appends the line's text to the string it is given
  // (no newline; this adds it). Returns true when this line brought the buffer to half its
  // capacity, the point where the writer should come early; once per filling, so a
  // buffer that stays full (a stuck writer) does not call for it again. When format
  // throws, the buffer is left as it was.
  template <typename Format>
  bool append(std::uint64_t sequence, Format&& format) {
    const std::size_t mark = text_.size();
    try {
      format(text_);
      text_.push_back('\n');
    } catch (...) {
      text_.resize(mark);
      throw;
    }
    return commit(sequence, mark);
  }

  // Moves every line with a sequence number below `cutoff` (always the oldest ones) into
  // `taken`, which must be cleared; the lines from `cutoff` on stay. The buffer carries on
  // in what was taken's storage.
  void take_before(std::uint64_t cutoff, TakenLines& taken);

  std::size_t lines() const { return records_.size() - head_; }
  bool empty() const { return lines() == 0; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  bool commit(std::uint64_t sequence, std::size_t mark);
  void drop_oldest();

  std::size_t capacity_;
  std::size_t half_full_;
  std::string text_;
  std::vector<LineRecord> records_;
  std::size_t head_ = 0;       // records_[0, head_) were dropped; their bytes
  std::size_t head_byte_ = 0;  // text_[0, head_byte_) wait to be reclaimed
  std::uint64_t dropped_ = 0;
};

// The lines of every part in sequence order, as one run of bytes: a view of the only
// non-empty part's text, or of `scratch`, where the lines of several are merged.
std::string_view merge_in_order(const std::vector<TakenLines*>& parts, std::string& scratch);

}  // namespace proxy::plugins::json_log
