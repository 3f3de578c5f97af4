// myofeed web relay: subscribes to myofeedd over OSC/UDP (renewing the lease every 3 s) and forwards every
// datagram unchanged, as a binary WebSocket message, to each connected browser. Also serves index.html (the
// therapist's dashboard) and osc.js's browser build, so http://127.0.0.1:8080/ shows it. The other way, a
// browser's control messages (patient, calibration, protocol, session, signal check: the CONTROL list below,
// nothing else) go to the daemon from this relay's socket, so the daemon's replies come back to every page.
// Every second it tells the pages how long ago the daemon was last heard (/relay/daemon i ms, -1 never), on
// the relay's real clock: a page's own timers may run on virtual time (a headless screenshot).
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
// later (a page reload, a second screen): the muscles, the patient, mains, the session, and each muscle's
// threshold, calibration, target band and levels.
const sticky = new Map();
const isSticky = (a) => ["/emg/sys/muscles", "/emg/sys/patient", "/emg/sys/mains", "/emg/session/state"].includes(a) ||
  /^\/emg\/[^/]+\/(threshold|calib|target|levels)$/.test(a);
const addressOf = (data) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1", 0, data.indexOf(0));

let lastDaemon = -1;
udp.on("raw", (data) => {
  lastDaemon = Date.now();
  const address = addressOf(data);
  if (address === "/emg/sys/muscles") // a reload: each muscle's values come again, the muscles may differ
    for (const k of [...sticky.keys()]) if (/^\/emg\/[^/]+\/[^/]+$/.test(k) && !k.startsWith("/emg/sys/") && !k.startsWith("/emg/session/")) sticky.delete(k);
  if (isSticky(address)) sticky.set(address, Buffer.from(data));
  for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
});
// What a page may ask of the daemon (the state-changing ones pass the daemon's own osc.admin check too).
const CONTROL = new Set(["/emg/ctl/patient", "/emg/ctl/calibrate/rest", "/emg/ctl/calibrate/mvc",
  "/emg/ctl/calibrate/cancel", "/emg/ctl/protocol/start", "/emg/ctl/protocol/pause", "/emg/ctl/protocol/resume",
  "/emg/ctl/protocol/stop", "/emg/ctl/session/start", "/emg/ctl/session/stop", "/emg/ctl/session/marker",
  "/emg/ctl/check", "/emg/ctl/ping"]);
const toPage = (ws, address, args) => ws.send(osc.writePacket({ address, args }, { metadata: true }), { binary: true });
wss.on("connection", (ws) => {
  for (const data of sticky.values()) ws.send(data, { binary: true });
  ws.on("message", (data) => {
    let m;
    try {
      m = osc.readPacket(new Uint8Array(data), { metadata: true });
    } catch (e) {
      toPage(ws, "/relay/error", [{ type: "s", value: `not an OSC message: ${e.message}` }]);
      return;
    }
    if (!m.address || !CONTROL.has(m.address)) {
      toPage(ws, "/relay/error", [{ type: "s", value: `${m.address || "a bundle"} is not a control message a page may send` }]);
      return;
    }
    udp.send(m, daemonHost, Number(daemonPort));
  });
});
setInterval(() => {
  const ago = lastDaemon < 0 ? -1 : Date.now() - lastDaemon;
  for (const ws of wss.clients) if (ws.readyState === ws.OPEN) toPage(ws, "/relay/daemon", [{ type: "i", value: ago }]);
}, 1000);
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
