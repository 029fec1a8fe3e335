// Builds named queries with the official JavaScript driver (rethinkdb@2.4.2) and prints
// their serialized terms, so the C++ tests can compare our builder against it.
//   node build_terms.js CASES.json   where CASES.json is {"name": "r.table('t').get(1)", ...}
// Prints {"name": <term JSON>} or {"name": {"error": "..."}} for expressions that failed.
'use strict';
const fs = require('fs');
const r = require('rethinkdb');

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const built = {};
for (const [name, source] of Object.entries(cases)) {
  try {
    built[name] = new Function('r', `return (${source});`)(r).build();
  } catch (error) {
    built[name] = { error: String(error) };
  }
}
process.stdout.write(JSON.stringify(built));
