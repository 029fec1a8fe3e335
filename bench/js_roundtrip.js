// node js_roundtrip.js HOST PORT IN_FLIGHT SECONDS: the official JavaScript driver doing
// what bench/reql_roundtrip.cpp does, for comparison. Prints one JSON line.
'use strict';
const r = require('rethinkdb');

async function main() {
  const [host, port, inFlight, seconds] = process.argv.slice(2);
  const conn = await r.connect({ host, port: Number(port) });
  const until = process.hrtime.bigint() + BigInt(Number(seconds) * 1e9);
  const latencies = [];
  let failures = 0;
  async function loop() {
    while (process.hrtime.bigint() < until) {
      const sent = process.hrtime.bigint();
      try {
        await r.expr('Hello from Rethink').run(conn);
      } catch (e) {
        failures++;
      }
      latencies.push(Number(process.hrtime.bigint() - sent) / 1000);
    }
  }
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: Number(inFlight) }, loop));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.floor(p * (latencies.length - 1))];
  console.log(JSON.stringify({ driver: 'rethinkdb@2.4.2 (JS)', in_flight: Number(inFlight), queries: latencies.length,
    failures, qps: Math.round(latencies.length / elapsed), p50_us: Math.round(pct(0.5)), p99_us: Math.round(pct(0.99)),
    cpu_us_per_query: Number(((cpu.user + cpu.system) / latencies.length).toFixed(1)) }));
  await conn.close();
}
main().catch((e) => { console.error(e.message); process.exit(1); });
