// SSE fan-out probe for bench/ioc.sh: opens DASHBOARDS connections to /api/v1/ioc/events with the operator's
// session cookie, waits until every one is open, then asks bench/ioc.sh's trigger (a command run once) to make one
// change, and reports how long each dashboard took to receive its `change` event.
//
//   node bench/ioc-fanout.mjs URL COOKIE DASHBOARDS TRIGGER_COMMAND
import http from 'node:http';
import { execSync } from 'node:child_process';

const [base, cookie, countText, trigger] = process.argv.slice(2);
const count = Number(countText);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const target = new URL('/api/v1/ioc/events', base);
let open = 0;
let failed = 0;
let triggeredAt = 0;
const received = [];

function connect() {
  return new Promise((resolve) => {
    const req = http.get({ hostname: target.hostname, port: target.port, path: target.pathname, agent,
      headers: { Cookie: cookie, Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { failed += 1; res.resume(); resolve(); return; }
      open += 1;
      let buffer = '';
      let done = false;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!done && triggeredAt && /^event: ?change$/m.test(frame)) {
            done = true;
            received.push(performance.now() - triggeredAt);
          }
        }
      });
      res.on('error', () => {});
      resolve();
    });
    req.on('error', () => { failed += 1; resolve(); });
  });
}

const started = performance.now();
for (let i = 0; i < count; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, connect));
}
const connectSeconds = (performance.now() - started) / 1000;
await new Promise((r) => setTimeout(r, 1000));
triggeredAt = performance.now();
execSync(trigger, { stdio: 'ignore', shell: '/bin/bash' });
const deadline = Date.now() + 10_000;
while (received.length < open && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
received.sort((a, b) => a - b);
const pct = (p) => (received.length ? received[Math.min(received.length - 1, Math.floor(p * received.length))] : NaN);
const within1s = received.filter((ms) => ms <= 1000).length;
console.log(JSON.stringify({
  dashboards: count, open, failed, connect_seconds: Number(connectSeconds.toFixed(2)), delivered: received.length,
  within_1s: within1s, p50_ms: Math.round(pct(0.5)), p95_ms: Math.round(pct(0.95)), max_ms: Math.round(received.at(-1) ?? NaN),
}));
process.exit(0);
