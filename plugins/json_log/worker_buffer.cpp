#include "worker_buffer.hpp"

#include <algorithm>

namespace proxy::plugins::json_log {

void TakenLines::clear() {
  text.clear();
  records.clear();
  first = end = begin_byte = end_byte = 0;
}

WorkerBuffer::WorkerBuffer(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)), half_full_((capacity_ + 1) / 2) {}

bool WorkerBuffer::commit(std::uint64_t sequence, std::size_t mark) {
  const std::size_t length = text_.size() - mark;  // before a drop moves the bytes
  const std::size_t before = lines();
  if (before == capacity_) {
    drop_oldest();
  }
  records_.push_back(LineRecord{sequence, length});
  return before < half_full_ && lines() >= half_full_;
}

void WorkerBuffer::drop_oldest() {
  head_byte_ += records_[head_].length;
  ++head_;
  ++dropped_;
  if (head_ >= capacity_) {
    // As many lines dropped as the buffer holds: reclaim their room in one move.
    text_.erase(0, head_byte_);
    records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
    head_byte_ = 0;
  }
}

void WorkerBuffer::take_before(std::uint64_t cutoff, TakenLines& taken) {
  std::size_t split = head_;
  std::size_t split_byte = head_byte_;
  while (split < records_.size() && records_[split].sequence < cutoff) {
    split_byte += records_[split].length;
    ++split;
  }
  if (split == head_) {
    return;
  }
  text_.swap(taken.text);
  records_.swap(taken.records);
  taken.first = head_;
  taken.end = split;
  taken.begin_byte = head_byte_;
  taken.end_byte = split_byte;
  // What stays: lines appended after the cutoff was read, usually none.
  text_.assign(taken.text, split_byte);
  records_.assign(taken.records.begin() + static_cast<std::ptrdiff_t>(split), taken.records.end());
  head_ = 0;
  head_byte_ = 0;
}

std::string_view merge_in_order(const std::vector<TakenLines*>& parts, std::string& scratch) {
  const TakenLines* only = nullptr;
  std::size_t non_empty = 0;
  for (const TakenLines* part : parts) {
    if (!part->empty()) {
      only = part;
      ++non_empty;
    }
  }
  if (non_empty == 0) {
    return {};
  }
  if (non_empty == 1) {
    return std::string_view(only->text).substr(only->begin_byte, only->end_byte - only->begin_byte);
  }
  // A few parts (one per io thread): picking the oldest head each time is cheap enough.
  struct Cursor {
    const TakenLines* part;
    std::size_t record;
    std::size_t byte;
  };
  std::vector<Cursor> cursors;
  cursors.reserve(non_empty);
  for (const TakenLines* part : parts) {
    if (!part->empty()) {
      cursors.push_back(Cursor{part, part->first, part->begin_byte});
    }
  }
  const auto head_sequence = [](const Cursor& c) { return c.part->records[c.record].sequence; };
  scratch.clear();
  while (!cursors.empty()) {
    auto oldest = cursors.begin();
    for (auto cursor = cursors.begin() + 1; cursor != cursors.end(); ++cursor) {
      if (head_sequence(*cursor) < head_sequence(*oldest)) {
        oldest = cursor;
      }
    }
    const std::size_t length = oldest->part->records[oldest->record].length;
    scratch.append(oldest->part->text, oldest->byte, length);
    oldest->byte += length;
    if (++oldest->record == oldest->part->end) {
      *oldest = cursors.back();
      cursors.pop_back();
    }
  }
  return scratch;
}

}  // namespace proxy::plugins::json_log
