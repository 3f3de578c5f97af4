// myofeed web relay: subscribes to myofeedd over OSC/UDP (renewing the lease every 3 s) and forwards every
// datagram unchanged, as a binary WebSocket message, to each connected browser. Also serves index.html and
// osc.js's browser build, so http://127.0.0.1:8080/ shows the live page.
//
//   npm install && node relay.js        environment: MYOFEED=127.0.0.1:17700  HTTP_PORT=8080  UDP_PORT=0
//                                                     PROFILE=muscles+bundle
//
// It asks for "muscles+bundle" by default: each tick comes as a few bundles instead of a datagram per message
// (osc.js in the page reads both); events and one-off messages stay plain messages.
//
// Loopback only by default: a browser on another machine would need HTTP_HOST=0.0.0.0 and the daemon's
// osc.allow to admit this host.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const osc = require("osc");
const { WebSocketServer } = require("ws");

const [daemonHost, daemonPort] = (process.env.MYOFEED || "127.0.0.1:17700").split(":");
const httpHost = process.env.HTTP_HOST || "127.0.0.1";
const httpPort = Number(process.env.HTTP_PORT || 8080);

const udp = new osc.UDPPort({ localAddress: "127.0.0.1", localPort: Number(process.env.UDP_PORT || 0), metadata: true });
const profile = process.env.PROFILE || "muscles+bundle";
const subscribe = () =>
  udp.send({ address: "/emg/ctl/subscribe", args: [{ type: "s", value: profile }] }, daemonHost, Number(daemonPort));

const files = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/osc-browser.min.js": [require.resolve("osc/dist/osc-browser.min.js"), "text/javascript"],
};
const server = http.createServer((req, res) => {
  const f = files[req.url];
  if (!f) {
    res.writeHead(404).end("not found\n");
    return;
  }
  res.writeHead(200, { "Content-Type": f[1] });
  fs.createReadStream(path.resolve(__dirname, f[0])).pipe(res);
});
const wss = new WebSocketServer({ server });

// The daemon sends these on subscribe and on change only: keep the latest of each for browsers that connect
// later (a page reload, a second screen).
const sticky = new Map();
const isSticky = (a) => a === "/emg/sys/muscles" || a === "/emg/session/state" || /^\/emg\/[^/]+\/(threshold|calib)$/.test(a);
const addressOf = (data) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1", 0, data.indexOf(0));

udp.on("raw", (data) => {
  const address = addressOf(data);
  if (address === "/emg/sys/muscles") sticky.clear(); // a reload: thresholds and calibrations come again
  if (isSticky(address)) sticky.set(address, Buffer.from(data));
  for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
});
wss.on("connection", (ws) => {
  for (const data of sticky.values()) ws.send(data, { binary: true });
});
udp.on("error", (err) => console.error(`relay: OSC: ${err.message}`));
udp.on("ready", () => {
  subscribe();
  setInterval(subscribe, 3000);
  server.listen(httpPort, httpHost, () => {
    const a = server.address();
    console.log(`relay: myofeedd ${daemonHost}:${daemonPort} -> http://${a.address}:${a.port}/ (WebSocket on the same port)`);
  });
});
udp.open();

const stop = () => {
  try {
    udp.send({ address: "/emg/ctl/unsubscribe", args: [] }, daemonHost, Number(daemonPort));
  } finally {
    setTimeout(() => process.exit(0), 50);
  }
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
