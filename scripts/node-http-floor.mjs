#!/usr/bin/env node
// What Node itself costs for BOSH's traffic shape, with no XMPP at all: the floor under issue #7 §8's
// two targets (≤ 10 KB per idle long-polling session, 14,000 BOSH msg/s). Not a test: a measurement,
// cited in docs/performance.md ("What Node itself costs").
//
//   node scripts/node-http-floor.mjs memory [--clients 2000] [--connections 2] [--raw]
//     A server process that holds one POST per client (as a BOSH long poll is held) while the
//     client's other keep-alive connections sit idle after one answered request (as a browser's
//     second BOSH connection does). --raw: a bare net server instead of node's http server (the
//     sockets alone). Prints the server's RSS per client, as `idle-hold` measures it (median of
//     five samples once the clients are connected), and after a full GC.
//
//   node scripts/node-http-floor.mjs throughput [--connections 200] [--seconds 5]
//     The most BOSH-shaped requests per second node's http server answers on one event loop when
//     it does nothing else (reads the body, answers a small message), the generator in this process.
//
// Loopback only; the server runs in a child process with its own descriptor limit.
import http from 'node:http';
import net from 'node:net';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const mode = args[0];
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const RAW = args.includes('--raw');
const REQUEST_BODY = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1234567' sid='0123456789abcdef01234567'><message xmlns='jabber:client' to='u1@localhost' type='chat' id='abc'><body>hello there</body></message></body>";
const RESPONSE_BODY = "<body xmlns='http://jabber.org/protocol/httpbind'><message xmlns='jabber:client' to='u1@localhost/bench' from='u2@localhost/bench' type='chat' id='abc'><body>hello there</body></message></body>";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function request(port, path) {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(REQUEST_BODY)}\r\n\r\n${REQUEST_BODY}`;
}

function serve() {
  const held = [];
  const answer = (res) => res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(RESPONSE_BODY) }).end(RESPONSE_BODY);
  const server = RAW
    ? net.createServer((socket) => {
        socket.on('data', () => {});
        held.push(socket);
      })
    : http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (chunk) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          if (req.url === '/hold') held.push({ res, length: body.length });
          else answer(res);
        });
      });
  // As DeskChat's HTTP server: idle keep-alive connections stay open for 65 s.
  if (!RAW) server.keepAliveTimeout = 65_000;
  let cpu = process.cpuUsage();
  process.on('message', (what) => {
    if (what === 'gc') globalThis.gc();
    if (what === 'cpu') {
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      return process.send({ cpuSeconds: (used.user + used.system) / 1e6 });
    }
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ rss, heapUsed, held: held.length });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

async function startServer() {
  const child = fork(fileURLToPath(import.meta.url), ['serve', ...(RAW ? ['--raw'] : [])], { execArgv: ['--expose-gc'] });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const ask = (what) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(what);
    });
  return { child, port, ask };
}

async function memory() {
  const clients = option('clients', 2000);
  const connections = option('connections', 2);
  const server = await startServer();
  await sleep(1000);
  const before = await server.ask('memory');
  const sockets = [];
  for (let i = 0; i < clients; i++) {
    for (let c = 0; c < connections; c++) {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('data', () => {});
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
      // The first connection's request is held; the others are answered and then sit idle.
      socket.write(request(server.port, c === 0 ? '/hold' : '/answer'));
    }
    if (i % 200 === 199) await sleep(20);
  }
  await sleep(5000);
  const samples = [];
  for (let k = 0; k < 5; k++) {
    samples.push(await server.ask('memory'));
    await sleep(1000);
  }
  const median = samples.map((s) => s.rss).sort((a, b) => a - b)[2];
  await server.ask('gc');
  const collected = await server.ask('memory');
  const kb = (bytes) => (bytes / clients / 1024).toFixed(1);
  const mb = (bytes) => (bytes / 1048576).toFixed(1);
  const what = RAW ? 'bare net server' : "node's http server";
  console.log(
    `${what}, ${clients} clients × ${connections} connection(s), ${samples[2].held} held: ` +
      `RSS ${mb(before.rss)} → ${mb(median)} MB = ${kb(median - before.rss)} KB per client; ` +
      `after a full GC ${mb(collected.rss)} MB = ${kb(collected.rss - before.rss)} KB per client (V8 heap ${kb(collected.heapUsed - before.heapUsed)} KB)`,
  );
  for (const socket of sockets) socket.destroy();
  server.child.kill();
}

async function throughput() {
  const connections = option('connections', 200);
  const seconds = option('seconds', 5);
  const server = await startServer();
  const message = request(server.port, '/http-bind');
  let answered = 0;
  const sockets = [];
  for (let i = 0; i < connections; i++) {
    const socket = net.connect(server.port, '127.0.0.1');
    sockets.push(socket);
    // One request in flight per connection: each response (small: one chunk) releases the next.
    socket.on('data', (chunk) => {
      const responses = chunk.toString('latin1').split('HTTP/1.1 200').length - 1;
      answered += responses;
      for (let k = 0; k < responses; k++) socket.write(message);
    });
    socket.on('connect', () => socket.write(message));
  }
  await sleep(1000);
  await server.ask('cpu');
  const start = answered;
  const startedAt = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const count = answered - start;
  const elapsed = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const { cpuSeconds } = await server.ask('cpu');
  console.log(`node's http server, ${connections} keep-alive connections: ${Math.round(count / elapsed)} requests/s answered, server CPU ${Math.round((100 * cpuSeconds) / elapsed)} % of a core`);
  for (const socket of sockets) socket.destroy();
  server.child.kill();
}

if (mode === 'serve') serve();
else if (mode === 'memory') await memory();
else if (mode === 'throughput') await throughput();
else {
  console.error('usage: node scripts/node-http-floor.mjs memory [--clients N] [--connections C] [--raw] | throughput [--connections C] [--seconds S]');
  process.exit(2);
}
