// Builds a ReQL term from the JavaScript expression a recorded case was written in
// (r.db('fx').table('t').filter(r.row('age').gt(30)), arrow functions, Buffer.from...),
// using our Term primitives: datum conversion, functions and variables, r.row wrapping and
// optargs. It understands the subset of JavaScript the recordings use; anything else
// throws Unsupported, and the case is counted as not expressible.
#pragma once

#include <stdexcept>
#include <string>

#include "reql/term.h"

namespace rsm::testing {

struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

reql::Term term_from_javascript(const std::string& source);

}  // namespace rsm::testing
