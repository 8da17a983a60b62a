#!/usr/bin/env node
// The `x-media` command. This file is plain ES5 on purpose: it must parse and run on any Node.js,
// so that an unsupported one is told so in one line (exit code 2) instead of failing with a stack
// trace inside a dependency. Everything else is loaded only after the check, by launch.cjs.
"use strict";
var launch = require("./check.cjs")("x-media", require("../package.json"));
// The fleet's commands run the module tree (dist/bin.js), not the one-file bundle: @x-media/fleet is
// installed beside this package and imports the installed effect, and effect's values (Redacted,
// services, layers) work only within one copy of effect. The bundle carries its own copy.
var args = process.argv.slice(2);
var fleet = args.indexOf("--durable") >= 0 || args.indexOf("worker") >= 0 || args.indexOf("fleet") >= 0;
// A command that runs once stops V8's young generation from growing once its modules are loaded: it grows
// while they load (fewer scavenges: 0.04-0.1 s less CPU than stopping it from the start) and then stays at
// 4 MB for the upload instead of growing to 16 MB (peak memory; bench/RESULTS.md). V8 reads this flag
// whenever it considers growing the space, so setting it from here takes effect. Long-running servers
// (the emulator, the fleet's workers) keep V8's defaults; a file named "emulator" only loses the saving.
var server = fleet || args.indexOf("emulator") >= 0;
// A command that runs once also leaves V8's optimizing compiler (Turbofan) off. It compiles on V8's worker
// threads, and glibc keeps each of those threads' freed compiler memory (up to ~2.8 MB each once Node's
// start-up has raised malloc's trim threshold), so an upload's peak grew with the file: 97-98 MB at 512 MiB
// against 86-87 without it, 82 against 75 at 8 MiB, at the same CPU (bench/RESULTS.md). Set before anything
// loads: set after, the start-up's compilations already hold the memory. (Node keys its compile cache
// directory by the V8 flags when the launcher enables it, so `x-media emulator`, which keeps Turbofan, has
// its own cache and the two do not undo each other's.)
if (launch && !server) require("node:v8").setFlagsFromString("--no-turbofan");
var loaded = launch && launch(fleet ? "../dist/bin.js" : "../dist/x-media.js");
if (loaded && !server) {
  loaded.then(function () {
    require("node:v8").setFlagsFromString("--semi-space-growth-factor=1");
  });
}
