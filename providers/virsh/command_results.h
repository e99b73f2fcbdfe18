#pragma once

// CommandResults is what a KindReading has asked virsh so far, by the command
// itself: a reading that asked for an object's XML speculatively in its first
// round (because the stack declares the object) finds the answer there in a
// later round instead of asking again. It also keeps a reading from asking
// the same command twice.
//
//   next_round(previous):  results.answer(previous);  ...
//                          return results.ask(commands);

#include "providers/kind/reader.h"

#include <map>
#include <string_view>

namespace virtplan::providers {

class CommandResults {
public:
  // Of `commands`, those never asked before, each once, in order; they are
  // remembered as this round's questions.
  std::vector<VirshArgs> ask(const std::vector<VirshArgs>& commands);
  // Stores the answers to the last round's questions, in their order. A
  // question left without an answer fails.
  void answer(const std::vector<Result<std::string>>& results);
  // The answer to `command`; nullptr when it was never asked or not answered yet.
  const Result<std::string>* find(const VirshArgs& command) const;
  bool asked(const VirshArgs& command) const;
  // Drops what `command` answered, so that ask() asks it again: for an answer
  // that is known to be worth asking once more (a listing that raced).
  void forget(const VirshArgs& command);

private:
  std::vector<VirshArgs> m_pending;
  std::map<VirshArgs, std::optional<Result<std::string>>> m_results;
};

// Whether `answer` is a failure whose message holds `words` (as virsh said
// them): for the few failures a reading recognises by virsh's words because
// their code says too little. False for a success or no answer.
bool failed_saying(const Result<std::string>* answer, std::string_view words);

}  // namespace virtplan::providers
