// The text `rsm db shell` takes: ReQL in the JavaScript driver's syntax for the common
// terms (r.db('shop').table('orders').get(1), r.expr(1).add(2), .filter({city: 'Oslo'}),
// .insert([...]), .orderBy({index: 'id'}), t('field')...), or a term in the wire protocol's
// JSON ([24, [1, 2]]). Methods are the protocol's term names, camelCase or snake_case;
// a trailing object literal is the optional arguments where a term takes them. Functions
// (x => ...) and r.row are not taken: the JSON form says anything.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rsm::db::shell {

// The term, as the wire protocol's JSON. UsageError saying where the text went wrong.
nlohmann::json parse_reql(const std::string& text);

}  // namespace rsm::db::shell
